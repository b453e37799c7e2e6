// The usual gateway end-to-end set-up: a recording upstream, the standard test policy
// built into `dir`, and `rrc serve` started on it with the given extra flags.
import { buildPolicy, closedPort } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { gatewayPolicy, UPSTREAM_TOKEN } from "./policy.ts";

export async function startGatewayFixture(
  dir: string,
  flags: readonly string[],
): Promise<{ upstream: RecordingUpstream; gateway: ServeProcess }> {
  const upstream = await startRecordingUpstream();
  const bundle = await buildPolicy(
    gatewayPolicy(upstream.url, `http://127.0.0.1:${await closedPort()}`),
    dir,
  );
  const started = await spawnServe(["--bundle", bundle, ...flags], {
    RRC_TEST_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
  });
  if (!isRunning(started)) {
    await upstream.close();
    throw new Error(`rrc serve did not start: ${started.stderr}`);
  }
  return { upstream, gateway: started };
}
