import { parseInvocation } from "./args.ts";
import { isCliError } from "./errors.ts";
import type { ExitCode } from "./exit-codes.ts";
import type { Io } from "./io.ts";
import { status } from "./status.ts";
import { stop } from "./stop.ts";
import { USAGE } from "./usage.ts";

/**
 * Run the CLI: parse `argv` (without the program name), do the command, print through `io`, and resolve with the
 * exit code. Never throws for a known failure: it prints `drain: <what happened and what to do>` and returns its
 * code (see `EXIT`).
 *
 * @example
 * ```ts
 * import { run, processIo } from "@drain/cli";
 * process.exitCode = await run(["stop", "--wait", "--socket", "/run/app/control.sock"], processIo, process.env);
 * ```
 */
export async function run(argv: readonly string[], io: Io, env: Readonly<Record<string, string | undefined>>): Promise<ExitCode> {
  try {
    const invocation = parseInvocation(argv, env);
    switch (invocation.command) {
      case "help":
        io.out(USAGE);
        return 0;
      case "status":
        return await status(invocation, io);
      case "stop":
        return await stop(invocation, io);
    }
  } catch (error) {
    if (!isCliError(error)) throw error;
    io.err(`drain: ${error.message}`);
    return error.exitCode;
  }
}
