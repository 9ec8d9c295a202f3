import type { DrainErrorCode } from "@drain/core";

/** Control answers are never cached and never sniffed. */
const BASE_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { ...BASE_HEADERS, "content-type": "application/json", ...headers } });
}

/** A JSON error answer: `{"error":{"code","message"}}`. */
export function errorResponse(status: number, code: DrainErrorCode, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message } }, headers);
}

/** A plain-text answer (metrics). */
export function text(body: string, contentType: string): Response {
  return new Response(body, { status: 200, headers: { ...BASE_HEADERS, "content-type": contentType } });
}

/** The streamed NDJSON answer of `POST /shutdown`. */
export function ndjson(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { status: 202, headers: { ...BASE_HEADERS, "content-type": "application/x-ndjson" } });
}

/** A duration on the wire: whole milliseconds, never negative, `null` when there is none. */
export function wholeMs(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.max(0, Math.round(ms));
}
