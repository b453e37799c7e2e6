// The HTTP sink: batches of newline-delimited JSON POSTed to a SIEM collector (Splunk HEC raw,
// Vector, Fluent Bit, Logstash http input…). A batch is retried with exponential backoff
// until the collector takes it, so nothing is lost while the log's buffer has room; the log
// sends one batch at a time, so order is kept across outages. Only an answer that retrying
// cannot change (a 4xx other than 408/425/429) gives a batch up, and its lines are counted lost.
import { Agent, request } from "undici";
import type { BatchDone, BatchSink } from "./log-sink.ts";

export interface HttpSinkOptions {
  readonly url: string;
  /** Extra request headers (an `authorization` for the collector). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest POST body; a batch is split at line boundaries. Default 1 MiB. */
  readonly maxBatchBytes?: number;
  /** First retry delay, doubled per attempt up to `retryMaxMs`. Defaults 100 ms and 10 s. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Per POST: connect, response headers and body. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

interface Piece {
  readonly body: string;
  readonly lines: number;
}

type Outcome = "delivered" | "refused" | "aborted";

export class HttpSink implements BatchSink {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  private readonly maxBatchBytes: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly timeoutMs: number;
  private retryCount = 0;
  private aborted = false;
  private readonly abortController = new AbortController();
  private wakeUp: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  /** The last failure, for the operator (status lines, tests). */
  lastError: string | null = null;

  constructor(private readonly options: HttpSinkOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.agent = new Agent({
      connections: 1,
      connectTimeout: this.timeoutMs,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    this.headers = { ...options.headers, "content-type": "application/x-ndjson" };
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? 1024 * 1024);
    this.retryBaseMs = Math.max(1, Math.min(options.retryBaseMs ?? 100, options.retryMaxMs ?? 100));
    this.retryMaxMs = Math.max(this.retryBaseMs, options.retryMaxMs ?? 10_000);
  }

  get retries(): number {
    return this.retryCount;
  }

  send(text: string, lines: number, done: BatchDone): void {
    this.deliver(text, lines).then(done, () => done(lines));
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  abort(): void {
    this.aborted = true;
    this.abortController.abort();
    this.wake();
  }

  private async deliver(text: string, lines: number): Promise<number> {
    let delivered = 0;
    for (const piece of split(text, lines, this.maxBatchBytes)) {
      const outcome = await this.post(piece.body);
      if (outcome === "aborted") break;
      if (outcome === "delivered") delivered += piece.lines;
    }
    return lines - delivered;
  }

  private async post(body: string): Promise<Outcome> {
    for (let attempt = 0; ; attempt++) {
      if (this.aborted) return "aborted";
      let retryAfterMs = 0;
      try {
        const response = await request(this.options.url, {
          method: "POST",
          body,
          headers: this.headers,
          dispatcher: this.agent,
          signal: this.abortController.signal,
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) return "delivered";
        this.lastError = `collector answered ${response.statusCode}`;
        if (!retryable(response.statusCode)) return "refused";
        retryAfterMs = retryAfter(response.headers["retry-after"]);
      } catch (error) {
        if (this.aborted) return "aborted";
        this.lastError = error instanceof Error ? error.message : String(error);
      }
      this.retryCount++;
      await this.sleep(Math.min(this.retryMaxMs, Math.max(retryAfterMs, this.backoff(attempt))));
    }
  }

  /** Exponential, with jitter so that replicas that lost the collector together do not retry together. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempt, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      this.sleepTimer = setTimeout(() => this.wake(), ms);
      this.sleepTimer.unref(); // a retry must not keep the process alive; close() has a deadline
    });
  }

  private wake(): void {
    if (this.sleepTimer !== null) clearTimeout(this.sleepTimer);
    this.sleepTimer = null;
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }
}

/** Request timeout, too early, rate limited and server errors may pass; other refusals will not. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
function retryAfter(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

/** Whole lines, at most `maxBytes` per piece (a longer single line goes alone). */
function split(text: string, lines: number, maxBytes: number): Piece[] {
  if (Buffer.byteLength(text) <= maxBytes) return [{ body: text, lines }];
  const pieces: Piece[] = [];
  let body = "";
  let bodyBytes = 0;
  let count = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const size = Buffer.byteLength(line) + 1;
    if (count > 0 && bodyBytes + size > maxBytes) {
      pieces.push({ body, lines: count });
      body = "";
      bodyBytes = 0;
      count = 0;
    }
    body += line + "\n";
    bodyBytes += size;
    count++;
  }
  if (count > 0) pieces.push({ body, lines: count });
  return pieces;
}
