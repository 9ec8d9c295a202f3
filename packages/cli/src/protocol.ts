/**
 * The control protocol as the CLI reads it. The CLI checks the few fields it relies on and passes everything else
 * through, so a newer server with more fields still works.
 */

/** How the server is asked to stop. */
export type Mode = "graceful" | "lameduck" | "immediate";

/** Connection and stream counts, as `@drain/core` reports them (`active`, `idle`, `sse`, …). */
export type Counts = Readonly<Record<string, number>>;

/** `GET /status`. */
export interface StatusBody {
  readonly pid: number;
  readonly runtime: string;
  readonly phase: string;
  /** Whether readiness passes (the app said it is ready and no shutdown was requested). Absent from older servers. */
  readonly ready?: boolean;
  readonly counts: Counts;
  readonly msToDeadline: number | null;
  /** To the end of the whole budget, cleanup hooks included; null while serving. Absent from older servers. */
  readonly msToBudgetEnd?: number | null;
  /** The notify phase as it stands or went; null before a shutdown. Absent from older servers. */
  readonly notify?: { readonly endedBy?: string | null; readonly msToEnd?: number | null } | null;
}

/** The parts of the engine's report the CLI prints; the rest is passed through untouched in `--json`. */
export interface ReportBody {
  readonly mode: string;
  readonly reason: string;
  readonly clean: boolean;
  readonly durationMs: number;
  readonly connections?: { readonly closedIdle?: number; readonly closedNeverUsed?: number; readonly closedAfterResponse?: number; readonly forced?: number };
  readonly sse?: { readonly ended?: number; readonly forced?: number };
  readonly websockets?: { readonly closed?: number; readonly cutAfterCloseTimeout?: number; readonly forced?: number };
  readonly hooks?: readonly { readonly name: string; readonly result: string }[];
  /** The uncaught error of a crash (the server's `crash` option); absent otherwise and from older servers. */
  readonly error?: string;
  /** How the notify phase ended (absent when there was none, and from servers older than the field). */
  readonly notify?: { readonly endedBy?: string; readonly durationMs?: number };
}

/**
 * One line of the `POST /shutdown` stream. `msToDeadline` counts to the force deadline and is null outside notify
 * and drain (an `immediate` shutdown is already `stopped` when it is accepted: measured on @drain/node).
 * `msToBudgetEnd` counts to the end of the whole budget, cleanup hooks included, and is null once stopped; servers
 * older than the field leave it out. `error` ends the stream when the shutdown could not start (the drain was
 * disposed).
 */
export type StreamLine =
  | {
      readonly type: "accepted";
      readonly pid: number;
      readonly mode: string;
      readonly phase: string;
      readonly msToDeadline: number | null;
      readonly msToBudgetEnd?: number | null;
      readonly joined?: boolean;
    }
  | { readonly type: "progress"; readonly phase: string; readonly counts: Counts; readonly msToDeadline: number | null; readonly msToBudgetEnd?: number | null }
  | { readonly type: "report"; readonly pid: number; readonly report: ReportBody }
  | { readonly type: "error"; readonly error: ErrorBody["error"] }
  | { readonly type: "other"; readonly raw: unknown };

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** Parse one NDJSON line; `undefined` when it is not JSON or misses the fields its `type` needs. */
export function parseStreamLine(text: string): StreamLine | undefined {
  const value = parseJson(text);
  if (!isObject(value)) return undefined;
  switch (value["type"]) {
    case "accepted":
      return isPid(value["pid"]) && hasDeadlines(value) ? (value as unknown as StreamLine) : undefined;
    case "progress":
      return typeof value["phase"] === "string" && isObject(value["counts"]) && hasDeadlines(value) ? (value as unknown as StreamLine) : undefined;
    case "error": {
      const error = parseErrorBody(text);
      return error === undefined ? undefined : { type: "error", error };
    }
    case "report": {
      const report = value["report"];
      return isPid(value["pid"]) && isObject(report) && typeof report["clean"] === "boolean" ? (value as unknown as StreamLine) : undefined;
    }
    default:
      return { type: "other", raw: value };
  }
}

/** Parse a `GET /status` body; `undefined` when it is not one. */
export function parseStatus(text: string): StatusBody | undefined {
  const value = parseJson(text);
  return isObject(value) && isPid(value["pid"]) && typeof value["phase"] === "string" && isObject(value["counts"])
    ? (value as unknown as StatusBody)
    : undefined;
}

/** The `{ error: { code, message } }` of an error answer, when there is one. */
export function parseErrorBody(text: string): ErrorBody["error"] | undefined {
  const value = parseJson(text);
  if (!isObject(value) || !isObject(value["error"])) return undefined;
  const { code, message } = value["error"];
  return typeof code === "string" && typeof message === "string" ? { code, message } : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `msToDeadline` is required; `msToBudgetEnd` is optional (older servers), but when sent it must be valid. */
function hasDeadlines(value: Record<string, unknown>): boolean {
  return isDeadline(value["msToDeadline"]) && (value["msToBudgetEnd"] === undefined || isDeadline(value["msToBudgetEnd"]));
}

function isDeadline(value: unknown): value is number | null {
  return value === null || (typeof value === "number" && Number.isFinite(value));
}

function isPid(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}
