import type { IncomingMessage } from "node:http";
import type { Target } from "./args.ts";
import type { Deadline } from "./deadline.ts";
import { formatSeconds } from "./durations.ts";
import type { Io } from "./io.ts";
import { send, type Call } from "./transport.ts";

/** Used when a 429 carries no usable `Retry-After` (the drain server always sends one). */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * {@link send}, but a `429 Too Many Requests` is retried after its `Retry-After` (seconds) as long as that still
 * falls before `deadline`: a supervisor's stop command must not fail because something else used up the
 * endpoint's rate limit for a moment. A 429 whose wait would pass the deadline is returned as it is, for the
 * caller to report. Each retry is announced on stderr.
 *
 * @example
 * ```ts
 * const response = await sendRetrying({ socket: "/run/app/control.sock" }, call, deadline, processIo);
 * ```
 */
export async function sendRetrying(target: Target, call: Call, deadline: Deadline, io: Io): Promise<IncomingMessage> {
  for (;;) {
    const response = await send(target, call);
    if (response.statusCode !== 429) return response;
    const waitMs = retryAfterMs(response.headers["retry-after"]);
    if (waitMs >= deadline.remainingMs()) return response;
    response.resume(); // Drop the refusal's body; the connection is not reused.
    io.err(`drain: the control endpoint is rate limiting requests; retrying in ${formatSeconds(waitMs)}.`);
    await sleep(waitMs, call.signal);
  }
}

/** `Retry-After` in whole seconds (what the drain server sends), as milliseconds. */
export function retryAfterMs(header: string | undefined): number {
  return header !== undefined && /^\d{1,6}$/.test(header.trim()) ? Number(header.trim()) * 1_000 : DEFAULT_RETRY_AFTER_MS;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      signal.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(done, ms);
    if (signal.aborted) aborted();
    else signal.addEventListener("abort", aborted, { once: true });
  });
}
