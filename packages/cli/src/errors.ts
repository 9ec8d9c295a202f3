import { EXIT, type ExitCode } from "./exit-codes.ts";

/** Stable codes of the errors the CLI reports. Match on `code`, never on the message. */
export type CliErrorCode =
  | "ERR_DRAIN_CLI_USAGE"
  | "ERR_DRAIN_CLI_UNREACHABLE"
  | "ERR_DRAIN_CLI_REFUSED"
  | "ERR_DRAIN_CLI_TIMEOUT"
  | "ERR_DRAIN_CLI_STREAM_BROKEN"
  | "ERR_DRAIN_CLI_PROTOCOL"
  | "ERR_DRAIN_CLI_UNTRUSTED";

/**
 * An error the CLI turns into a message and an exit code. Same shape as `@drain/core`'s `DrainError` (name
 * `"DrainError"` plus a stable `code`), built here so the CLI has no runtime dependency and starts on plain Node.
 */
export interface CliError extends Error {
  readonly name: "DrainError";
  readonly code: CliErrorCode;
  readonly exitCode: ExitCode;
}

const EXIT_BY_CODE: Record<CliErrorCode, ExitCode> = {
  ERR_DRAIN_CLI_USAGE: EXIT.usage,
  ERR_DRAIN_CLI_UNREACHABLE: EXIT.unreachable,
  ERR_DRAIN_CLI_REFUSED: EXIT.refused,
  ERR_DRAIN_CLI_TIMEOUT: EXIT.timedOut,
  ERR_DRAIN_CLI_STREAM_BROKEN: EXIT.broken,
  ERR_DRAIN_CLI_PROTOCOL: EXIT.protocol,
  ERR_DRAIN_CLI_UNTRUSTED: EXIT.untrusted,
};

/**
 * Make a {@link CliError}; its exit code follows from `code`.
 *
 * @example
 * ```ts
 * throw cliError("ERR_DRAIN_CLI_USAGE", "--timeout must be a duration like 20s or 20000, got 'soon'.");
 * ```
 */
export function cliError(code: CliErrorCode, message: string): CliError {
  const error = new Error(message) as Error & { name: string; code: CliErrorCode; exitCode: ExitCode };
  error.name = "DrainError";
  error.code = code;
  error.exitCode = EXIT_BY_CODE[code];
  return error as CliError;
}

/** True for errors made by {@link cliError}. */
export function isCliError(value: unknown): value is CliError {
  return value instanceof Error && value.name === "DrainError" && typeof (value as { exitCode?: unknown }).exitCode === "number";
}
