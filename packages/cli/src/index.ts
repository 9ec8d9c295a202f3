/**
 * `@drain/cli`: the `drain` command, and the same functions for programs that want to stop a drained server
 * themselves.
 *
 * @example
 * ```ts
 * import { run, processIo, EXIT } from "@drain/cli";
 * const code = await run(["stop", "--wait", "--socket", "/run/app/control.sock"], processIo, process.env);
 * if (code !== EXIT.ok) process.exitCode = code;
 * ```
 *
 * @module
 */
export { parseInvocation, type Invocation, type StatusInvocation, type StopInvocation, type Target } from "./args.ts";
export { cliError, isCliError, type CliError, type CliErrorCode } from "./errors.ts";
export { EXIT, type ExitCode } from "./exit-codes.ts";
export { processIo, type Io } from "./io.ts";
export type { Counts, Mode, ReportBody, StatusBody, StreamLine } from "./protocol.ts";
export { run } from "./run.ts";
export { status } from "./status.ts";
export { DEFAULT_BUDGET_MS, stop, WAIT_MARGIN_MS, type StopOptions } from "./stop.ts";
