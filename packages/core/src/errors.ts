/** Stable error codes. Match on `error.code`, never on the message. */
export type DrainErrorCode =
  | "ERR_DRAIN_UNKNOWN_OPTION"
  | "ERR_DRAIN_INVALID_OPTION"
  | "ERR_DRAIN_INVALID_DURATION"
  | "ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE"
  | "ERR_DRAIN_INVALID_RANGE"
  | "ERR_DRAIN_INVALID_CAPABILITIES"
  | "ERR_DRAIN_INVALID_MODE"
  | "ERR_DRAIN_WRONG_RUNTIME"
  | "ERR_DRAIN_ALREADY_ATTACHED"
  | "ERR_DRAIN_NOT_ATTACHED"
  | "ERR_DRAIN_DISPOSED"
  | "ERR_DRAIN_INVALID_HOOK"
  /** The control endpoint could not listen: its socket path or port is taken by another process that is still running. */
  | "ERR_DRAIN_CONTROL_IN_USE"
  /** Answers of the control endpoint (in its JSON error body): what the request did wrong. */
  | "ERR_DRAIN_CONTROL_BAD_REQUEST"
  | "ERR_DRAIN_CONTROL_UNAUTHORIZED"
  | "ERR_DRAIN_CONTROL_FORBIDDEN"
  | "ERR_DRAIN_CONTROL_NOT_FOUND"
  | "ERR_DRAIN_CONTROL_METHOD_NOT_ALLOWED"
  | "ERR_DRAIN_CONTROL_TOO_LARGE"
  | "ERR_DRAIN_CONTROL_RATE_LIMITED"
  /** A `POST /shutdown` body that did not arrive in time, or was still arriving when the endpoint closed. */
  | "ERR_DRAIN_CONTROL_TIMEOUT";

/** An error drain raises for a mistake the caller can fix. `code` is stable; the message says what to do. */
export interface DrainError extends Error {
  readonly name: "DrainError";
  readonly code: DrainErrorCode;
}

/**
 * Make a {@link DrainError}.
 *
 * @example
 * ```ts
 * throw drainError("ERR_DRAIN_INVALID_DURATION", "timeoutMs must be a finite number ≥ 0, got -1.");
 * ```
 */
export function drainError(code: DrainErrorCode, message: string): DrainError {
  const error = new Error(message) as Error & { name: string; code: DrainErrorCode };
  error.name = "DrainError";
  error.code = code;
  return error as DrainError;
}

/** True for errors made by {@link drainError} (works across duplicate copies of the package). */
export function isDrainError(value: unknown): value is DrainError {
  return value instanceof Error && value.name === "DrainError" && typeof (value as { code?: unknown }).code === "string";
}
