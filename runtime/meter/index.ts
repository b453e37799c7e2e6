// The meter stage (SPEC §6): `createMeterStore()` once per process, `new Meters(document, store)` per
// bundle, `admit()` per request after authorization. See README.md.
export { Meters, type MetersOptions } from "./meters.ts";
export { createMeterStore, type MeterStoreOptions } from "./store.ts";
export {
  type Admission,
  type CounterAdd,
  type CounterReading,
  type CounterTake,
  type MeterRequest,
  type MeterStore,
  MeterStoreUnavailable,
  type TakeResult,
} from "./types.ts";
