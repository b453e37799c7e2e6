// The gateway's own JavaScript per request, without sockets (bench/gateway-harness.ts): rrc's
// `Gateway.handle` with full enforcement against a bare `Pool.stream` pass-through, both
// answered by the same instant fake upstream. The end-to-end comparison is bench/gateway.bench.ts.
//
// Timing is a plain loop of 32 concurrent exchanges at a time (tinybench's per-task promise
// would be a large part of a ~15 µs operation), interleaved rounds, medians. `npm run bench:gateway-js`.
import { createGatewayHarness, runExchanges } from "./gateway-harness.ts";

const CONCURRENT = 32;
const PER_ROUND = 30_000;
const ROUNDS = 5;

const harness = await createGatewayHarness();
try {
  for (let warm = 0; warm < 3; warm++) {
    await runExchanges(harness.bare, PER_ROUND / 2, CONCURRENT);
    await runExchanges(harness.rrc, PER_ROUND / 2, CONCURRENT);
  }
  const times = { bare: [] as number[], rrc: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    times.bare.push(await runExchanges(harness.bare, PER_ROUND, CONCURRENT));
    times.rrc.push(await runExchanges(harness.rrc, PER_ROUND, CONCURRENT));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const bareUs = median(times.bare);
  const rrcUs = median(times.rrc);
  console.log(
    `in process, ${CONCURRENT} concurrent exchanges, ${ROUNDS} interleaved rounds of ${PER_ROUND}, medians:`,
  );
  console.log(`bare Pool.stream pass-through   ${bareUs.toFixed(2).padStart(7)} µs per request`);
  console.log(
    `rrc Gateway.handle, full policy ${rrcUs.toFixed(2).padStart(7)} µs per request (decision log to a file)`,
  );
  console.log(
    `rrc's enforcement in JavaScript: ${(rrcUs - bareUs).toFixed(2)} µs per request (${(rrcUs / bareUs).toFixed(2)}× bare)`,
  );
} finally {
  await harness.close();
}
