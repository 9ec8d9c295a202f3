import type { DrainErrorCode } from "@drain/core";
import { hasBearer } from "./auth.ts";
import { BODY_TIMEOUT_MS, parseShutdownBody, readBody } from "./body.ts";
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from "./metrics.ts";
import { isLoopbackHost, isLoopbackPeer } from "./peer.ts";
import { progressStream } from "./progress-stream.ts";
import { TokenBucket } from "./rate-limit.ts";
import { errorResponse, json, ndjson, text, wholeMs } from "./responses.ts";
import type { ControlHandler, ControlPeer, ControlSettings, ControlSource } from "./types.ts";

/** The routes and the one method each answers. */
const ROUTES: Readonly<Record<string, { readonly method: string; readonly action: string }>> = {
  "/status": { method: "GET", action: "status" },
  "/metrics": { method: "GET", action: "metrics" },
  "/shutdown": { method: "POST", action: "shutdown" },
};

/**
 * The control endpoint as a web handler: `GET /status`, `GET /metrics`, `POST /shutdown` (NDJSON until the
 * report). Refuses, in this order: non-loopback peers and browser requests (403), a disposed engine (503), a
 * missing or wrong token (401; 429 once such failures come faster than the rate limit), bursts of authenticated
 * requests (429), unknown paths (404), wrong methods (405), bodies over 4096 bytes (413), bodies that take longer
 * than {@link BODY_TIMEOUT_MS} or are still arriving when the endpoint closes (408) and bad bodies (400).
 * Nothing of a body is read before the token was checked. Failed authentications are charged to their own bucket,
 * so nobody without the token can use up the requests of the supervisor that has it. A refused request starts
 * nothing. Every request is audited. Never throws.
 *
 * `closing` aborts when the endpoint closes: a body still arriving then is given up at once (408), so a client
 * that sends half a request can never hold the listener's close, and with it the exit.
 *
 * @example
 * ```ts
 * const closing = new AbortController();
 * const handle = createControlHandler(settings, source, closing.signal);
 * const response = await handle(request, { address: "127.0.0.1", transport: "tcp" });
 * ```
 */
export function createControlHandler(settings: ControlSettings, source: ControlSource, closing: AbortSignal = new AbortController().signal): ControlHandler {
  // Two buckets: traffic without the token must never use up what the supervisor, which has it, needs.
  const bucket = new TokenBucket(settings.rateLimit, () => source.now());
  const failures = new TokenBucket(settings.rateLimit, () => source.now());

  return async (request: Request, peer: ControlPeer): Promise<Response> => {
    let action = "request";
    const done = (response: Response, result: string): Response => {
      source.audit({ peer, action, result, status: response.status });
      return response;
    };
    const refuse = (status: number, result: string, code: DrainErrorCode, message: string, headers?: Record<string, string>): Response =>
      done(errorResponse(status, code, message, headers), result);
    try {
      const url = new URL(request.url);
      const route = ROUTES[url.pathname];
      action = route?.action ?? `${request.method} ${url.pathname.slice(0, 100)}`;
      if (!isLoopbackPeer(peer)) {
        return refuse(403, "forbidden", "ERR_DRAIN_CONTROL_FORBIDDEN", "the control endpoint answers loopback peers only; call it from the same host.");
      }
      if (request.headers.has("origin") || (peer.transport === "tcp" && !isLoopbackHost(request.headers.get("host") ?? url.host))) {
        return refuse(403, "forbidden", "ERR_DRAIN_CONTROL_FORBIDDEN", "browser and non-loopback Host requests are refused; call the control endpoint from a local client such as `drain status`.");
      }
      if (source.disposed()) {
        return refuse(503, "disposed", "ERR_DRAIN_DISPOSED", "this drain was disposed and its control endpoint is closing; nothing can be started through it.");
      }
      const limited = (from: TokenBucket): Response => {
        const retryAfter = String(from.retryAfterSeconds());
        return refuse(429, "rate-limited", "ERR_DRAIN_CONTROL_RATE_LIMITED", `too many control requests; retry after ${retryAfter} s.`, { "retry-after": retryAfter });
      };
      // The token first (constant time, cheap): which bucket a request is charged to depends on it.
      if (settings.token !== undefined && !hasBearer(request.headers.get("authorization"), settings.token)) {
        if (!failures.take()) return limited(failures);
        return refuse(401, "unauthorized", "ERR_DRAIN_CONTROL_UNAUTHORIZED", "send the control token as `Authorization: Bearer <token>`.", { "www-authenticate": 'Bearer realm="drain"' });
      }
      if (!bucket.take()) return limited(bucket);
      if (route === undefined) {
        return refuse(404, "not-found", "ERR_DRAIN_CONTROL_NOT_FOUND", "unknown path; the control endpoint serves GET /status, GET /metrics and POST /shutdown.");
      }
      if (request.method !== route.method) {
        return refuse(405, "method-not-allowed", "ERR_DRAIN_CONTROL_METHOD_NOT_ALLOWED", `${url.pathname} answers ${route.method} only.`, { allow: route.method });
      }
      if (route.action === "status") return done(status(source), "ok");
      if (route.action === "metrics") return done(metrics(source), "ok");
      return await shutdown(request, source, closing, done, refuse);
    } catch (error) {
      return refuse(400, "bad-request", "ERR_DRAIN_CONTROL_BAD_REQUEST", `the request could not be read (${error instanceof Error ? error.message : String(error)}); send a JSON body of at most 4096 bytes.`);
    }
  };
}

function status(source: ControlSource): Response {
  const ms = source.msToDeadline();
  return json(200, {
    pid: source.pid,
    runtime: source.runtime,
    phase: source.phase(),
    ready: source.ready(),
    counts: source.counts(),
    msToDeadline: wholeMs(ms),
    msToBudgetEnd: wholeMs(source.msToBudgetEnd()),
    notify: source.notify?.() ?? null,
  });
}

function metrics(source: ControlSource): Response {
  const totals = source.totals();
  return text(
    prometheusText({
      phase: source.phase(),
      counts: source.counts(),
      msToDeadline: source.msToDeadline(),
      requestsDuringShutdown: totals.requestsDuringShutdown,
      forced: totals.forced,
      report: source.report(),
    }),
    PROMETHEUS_CONTENT_TYPE,
  );
}

async function shutdown(
  request: Request,
  source: ControlSource,
  closing: AbortSignal,
  done: (response: Response, result: string) => Response,
  refuse: (status: number, result: string, code: DrainErrorCode, message: string) => Response,
): Promise<Response> {
  const body = await readWithDeadline(request, closing);
  if (body === "stopped") {
    const why = closing.aborted ? "the control endpoint closed before the body arrived" : `the body did not arrive within ${BODY_TIMEOUT_MS} ms`;
    return refuse(408, "timeout", "ERR_DRAIN_CONTROL_TIMEOUT", `${why}; nothing was started. Send the whole request at once.`);
  }
  if (body === "too-large") return refuse(413, "too-large", "ERR_DRAIN_CONTROL_TOO_LARGE", "the body is over 4096 bytes; send only {mode, timeoutMs, reason}.");
  const parsed = parseShutdownBody(body);
  if (!parsed.ok) return refuse(400, "bad-request", "ERR_DRAIN_CONTROL_BAD_REQUEST", parsed.message);
  const wanted = parsed.request;
  const phase = source.phase();
  const joined = phase !== "serving";
  // A join adds nothing to a shutdown already under way, except "immediate", which escalates it.
  const escalates = joined && wanted.mode === "immediate" && phase !== "stopped";
  const stream = progressStream(source, {
    joined,
    start: () => (!joined || escalates ? source.shutdown({ ...wanted, reason: wanted.reason ?? "control endpoint" }) : undefined),
  });
  return done(ndjson(stream), joined ? (escalates ? "escalated" : "joined") : "accepted");
}

/** Read the body until it is whole, {@link BODY_TIMEOUT_MS} passed, or the endpoint closes; the timer never outlives the read. */
async function readWithDeadline(request: Request, closing: AbortSignal): Promise<string | "too-large" | "stopped"> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), BODY_TIMEOUT_MS);
  const onClosing = (): void => stop.abort();
  if (closing.aborted) stop.abort();
  else closing.addEventListener("abort", onClosing, { once: true });
  try {
    return await readBody(request, stop.signal);
  } finally {
    clearTimeout(timer);
    closing.removeEventListener("abort", onClosing);
  }
}
