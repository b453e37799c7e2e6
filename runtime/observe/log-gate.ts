// `--log-backpressure block`: a request enters the gateway only with a slot in the decision
// log's buffer, so its record can never be dropped for lack of room. When the sink falls so far
// behind that no slot frees within `--log-block-timeout`, the request is refused (503
// `log-unavailable`) before anything is decided or forwarded: no record, no side effect. Such
// refusals are counted (`rrc_decision_log_waits_total{outcome="refused"}`).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DecisionLog } from "./decision-log.ts";
import type { GatewayMetrics } from "./metrics.ts";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Wraps the gateway's handler; in drop mode the handler is returned as it is. */
export function gateOnLog(log: DecisionLog, metrics: GatewayMetrics, handler: Handler): Handler {
  if (!log.blocking) return handler;
  return (request, response) => {
    const slot = log.reserve();
    if (slot === true) {
      handler(request, response);
      return;
    }
    if (slot === false) {
      refuse(metrics, response);
      return;
    }
    slot.then((admitted) => {
      if (!admitted) {
        refuse(metrics, response);
      } else if (response.destroyed) {
        log.release(); // the caller left while waiting: no record will come
      } else {
        metrics.logWait("admitted");
        handler(request, response);
      }
    });
  };
}

function refuse(metrics: GatewayMetrics, response: ServerResponse): void {
  metrics.logWait("refused");
  if (response.destroyed) return;
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: "https://rrc.dev/problems/log-unavailable",
    title: "decision log unavailable",
    status: 503,
    code: "log-unavailable",
    requestId,
  });
  response.writeHead(503, {
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "retry-after": "1",
    "x-request-id": requestId,
    "x-rrc-code": "log-unavailable",
  });
  response.end(body);
}
