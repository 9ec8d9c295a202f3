import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../../vitest/processes.ts";

export interface ControlStopOutcome {
  /** `drain stop --wait`'s exit code and everything it printed. */
  readonly cli: { readonly code: number | null; readonly output: string };
  readonly server: { readonly code: number | null; readonly stderr: string };
}

/**
 * Start `server` (argv) with a control socket (`DRAIN_SOCKET`), and once it listens, run `cli` (argv, given the
 * socket path) as a supervisor's stop command would. Both run as children of this process, never synchronously: only
 * a running event loop reaps the server when it exits.
 *
 * @example
 * ```ts
 * const outcome = await stopThroughControlSocket([node, "app.mjs"], (socket) => [node, drainBin, "stop", "--wait", "--socket", socket], { cwd, env });
 * ```
 */
export async function stopThroughControlSocket(
  server: readonly string[],
  cli: (socket: string) => readonly string[],
  options: { readonly cwd: string; readonly env: Record<string, string> },
): Promise<ControlStopOutcome> {
  const socket = join(mkdtempSync(join(tmpdir(), "drain-sock-")), "drain.sock");
  const running = start(server, { cwd: options.cwd, env: { ...options.env, DRAIN_SOCKET: socket } });
  try {
    await running.line(/listening on \d+/);
    const stop = start(cli(socket), options);
    const stopped = await stop.exit;
    const exited = await running.exit;
    return { cli: { code: stopped.code, output: stop.stdout() + stop.stderr() }, server: { code: exited.code, stderr: running.stderr() } };
  } finally {
    await running.kill();
  }
}
