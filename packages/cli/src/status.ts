import type { StatusInvocation } from "./args.ts";
import { startDeadline } from "./deadline.ts";
import { cliError } from "./errors.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { formatStatus } from "./format.ts";
import type { Io } from "./io.ts";
import { parseStatus } from "./protocol.ts";
import { refusal } from "./refusal.ts";
import { sendRetrying } from "./retry.ts";
import { verifyPid } from "./socket-owner.ts";
import { checkSocketTrust } from "./socket-trust.ts";
import { describeTarget, readText } from "./transport.ts";

/** A status answer is a few hundred bytes; a server that cannot give it in this time is not answering. */
export const STATUS_TIMEOUT_MS = 5_000;

/**
 * `drain status`: print one line about the server (or its JSON with `--json`).
 *
 * @example
 * ```ts
 * const code = await status({ command: "status", target: { socket: "/run/app/control.sock" }, token: undefined, json: false }, processIo);
 * ```
 */
export async function status(invocation: StatusInvocation, io: Io): Promise<ExitCode> {
  const where = describeTarget(invocation.target);
  if ("socket" in invocation.target) checkSocketTrust(invocation.target.socket);
  const deadline = startDeadline(STATUS_TIMEOUT_MS);
  try {
    const call = { method: "GET", path: "/status", token: invocation.token, signal: deadline.signal } as const;
    const response = await sendRetrying(invocation.target, call, deadline, io);
    const body = await readText(response);
    if (response.statusCode !== 200) throw refusal(response, body, where, invocation.token !== undefined);
    const parsed = parseStatus(body);
    if (parsed === undefined) throw cliError("ERR_DRAIN_CLI_PROTOCOL", `${where} answered /status with something that is not a drain status: is it a drain control endpoint?`);
    verifyPid(invocation.target, parsed.pid, io);
    io.out(invocation.json ? body.trim() : formatStatus(parsed));
    return EXIT.ok;
  } catch (error) {
    if (deadline.signal.aborted) {
      throw cliError("ERR_DRAIN_CLI_TIMEOUT", `${where} did not answer /status within ${STATUS_TIMEOUT_MS / 1_000} s: the server may be stuck.`);
    }
    throw error;
  } finally {
    deadline.clear();
  }
}
