import { MODES, type Mode } from "@drain/core";
import type { ControlShutdownRequest } from "./types.ts";

/** The largest `POST /shutdown` body accepted; anything bigger is answered 413 without being read to its end. */
export const MAX_BODY_BYTES = 4096;
/** The longest budget a control request may ask for: longer is a mistake (seconds taken for milliseconds). */
export const MAX_TIMEOUT_MS = 3_600_000;
const FIELDS: readonly string[] = ["mode", "timeoutMs", "reason"];
const MAX_REASON = 200;
const EXAMPLE = '{"mode":"graceful","timeoutMs":20000,"reason":"deploy"}';

/**
 * How long a client may take to send a `POST /shutdown` body once its head arrived. Four kilobytes take a local
 * client microseconds; a client still sending after this is stalling (or gone), and is answered 408.
 */
export const BODY_TIMEOUT_MS = 2_000;

/**
 * Read a request body up to `MAX_BODY_BYTES`: `"too-large"` as soon as it is over, without reading the rest;
 * `"stopped"` when `stop` aborts first (the body took too long, or the endpoint is closing). A body cut short is
 * never returned as if it were whole, so a half-sent request starts nothing.
 *
 * @example
 * ```ts
 * const body = await readBody(request, AbortSignal.timeout(BODY_TIMEOUT_MS));
 * if (body === "stopped") return timedOut();
 * ```
 */
export async function readBody(request: Request, stop: AbortSignal): Promise<string | "too-large" | "stopped"> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return "too-large";
  if (request.body === null) return "";
  const reader = request.body.getReader();
  let onStop: () => void = () => {};
  const stopped = new Promise<"stopped">((resolve) => {
    onStop = () => resolve("stopped");
    if (stop.aborted) onStop();
    else stop.addEventListener("abort", onStop, { once: true });
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), stopped]);
      if (next === "stopped") {
        reader.cancel().catch(() => undefined);
        return "stopped";
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        return "too-large";
      }
      chunks.push(next.value);
    }
  } finally {
    stop.removeEventListener("abort", onStop);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(all);
}

/**
 * Parse and check a `POST /shutdown` body. Every field is optional; an empty body means "the defaults".
 * Returns the request, or a message that says what is wrong and what to send instead.
 *
 * @example
 * ```ts
 * parseShutdownBody('{"mode":"lameduck"}'); // { ok: true, request: { mode: "lameduck" } }
 * parseShutdownBody('{"mode":"later"}'); // { ok: false, message: "mode must be …" }
 * ```
 */
export function parseShutdownBody(text: string): { readonly ok: true; readonly request: ControlShutdownRequest } | { readonly ok: false; readonly message: string } {
  if (text.trim() === "") return { ok: true, request: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`the body is not valid JSON; send an object such as ${EXAMPLE}, or no body for the defaults.`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail(`the body must be a JSON object such as ${EXAMPLE}, got ${Array.isArray(value) ? "an array" : String(value === null ? "null" : typeof value)}.`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.includes(key)) return fail(`unknown field ${JSON.stringify(key.slice(0, 40))}; the fields are mode, timeoutMs and reason.`);
  }
  const { mode, timeoutMs, reason } = record;
  if (mode !== undefined && !MODES.includes(mode as Mode)) {
    return fail(`mode must be "graceful", "lameduck" or "immediate", got ${describe(mode)}.`);
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS)) {
    return fail(`timeoutMs must be a number of milliseconds from 0 to ${MAX_TIMEOUT_MS} (one hour), got ${describe(timeoutMs)}.`);
  }
  if (reason !== undefined && (typeof reason !== "string" || reason.length > MAX_REASON)) {
    return fail(`reason must be a string of at most ${MAX_REASON} characters, got ${typeof reason === "string" ? `${reason.length} characters` : describe(reason)}.`);
  }
  return {
    ok: true,
    request: {
      ...(mode === undefined ? {} : { mode: mode as Mode }),
      ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs as number }),
      ...(reason === undefined ? {} : { reason: reason as string }),
    },
  };
}

function fail(message: string): { readonly ok: false; readonly message: string } {
  return { ok: false, message };
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
