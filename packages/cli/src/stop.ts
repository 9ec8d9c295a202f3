import type { IncomingMessage } from "node:http";
import type { StopInvocation } from "./args.ts";
import { startDeadline, type Deadline } from "./deadline.ts";
import { formatSeconds } from "./durations.ts";
import { cliError, isCliError, type CliError } from "./errors.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { formatAccepted, formatProgress, formatReport } from "./format.ts";
import type { Io } from "./io.ts";
import { lines } from "./ndjson.ts";
import { parseStreamLine, type ReportBody, type StreamLine } from "./protocol.ts";
import { refusal } from "./refusal.ts";
import { sendRetrying } from "./retry.ts";
import { verifyPid } from "./socket-owner.ts";
import { checkSocketTrust } from "./socket-trust.ts";
import { describeTarget, readText } from "./transport.ts";
import { msLeftInBudget } from "./wait-budget.ts";
import { isAlive, waitForExit } from "./wait-for-exit.ts";

/** The server's default budget (`@drain/core`): what the CLI assumes until the server says its real deadline. */
export const DEFAULT_BUDGET_MS = 25_000;
/** Added to the budget for the default `--wait-timeout`: time for the process to exit after its report. */
export const WAIT_MARGIN_MS = 5_000;

/** Tuning for programs that embed the CLI (and its tests). */
export interface StopOptions {
  /** What the default wait allows past the server's budget end; default {@link WAIT_MARGIN_MS}. */
  readonly waitMarginMs?: number;
}

type Stage = "accept" | "report" | "exit";
type Timed = Extract<StreamLine, { type: "accepted" | "progress" }>;

/**
 * `drain stop`: ask for a shutdown and print its progress as it happens. Without `--wait` it returns once the
 * server accepted; with `--wait` it follows the stream to the report and then waits until the server's process
 * is gone, so a supervisor's stop command (systemd `ExecStop`, a Kubernetes `preStop`) blocks exactly as long as
 * the drain. Without `--wait-timeout`, the wait is moved with every line the server sends: to the end of its
 * budget (`msToBudgetEnd`, cleanup hooks included) plus the margin. A 429 is retried after its `Retry-After`
 * while that fits before the deadline. Failures throw a {@link CliError} carrying the exit code.
 *
 * @example
 * ```ts
 * const code = await stop(parseInvocation(["stop", "--wait", "--socket", "/run/app/control.sock"], {}) as StopInvocation, processIo);
 * ```
 */
export async function stop(invocation: StopInvocation, io: Io, options: StopOptions = {}): Promise<ExitCode> {
  // Before the token goes anywhere: a socket someone else could have put there gets nothing.
  if ("socket" in invocation.target) checkSocketTrust(invocation.target.socket);
  const body = requestBody(invocation);
  const where = describeTarget(invocation.target);
  const marginMs = options.waitMarginMs ?? WAIT_MARGIN_MS;
  const deadline = startDeadline(invocation.waitTimeoutMs ?? (invocation.timeoutMs ?? DEFAULT_BUDGET_MS) + marginMs);
  // The server's own word on how long it may still take moves the wait, unless --wait-timeout fixed it.
  const follow = (line: Timed): void => {
    const ms = invocation.waitTimeoutMs === undefined ? msLeftInBudget(line) : undefined;
    if (ms !== undefined) deadline.resetTo(ms + marginMs);
  };
  let stage: Stage = "accept";
  let pid: number | undefined;
  let response: IncomingMessage | undefined;
  try {
    const call = { method: "POST", path: "/shutdown", token: invocation.token, body, signal: deadline.signal } as const;
    response = await sendRetrying(invocation.target, call, deadline, io);
    if (response.statusCode !== 202) throw refusal(response, await readText(response), where, invocation.token !== undefined);

    const stream = lines(response)[Symbol.asyncIterator]();
    const first = await nextLine(stream, where);
    const accepted = first === undefined ? undefined : parseStreamLine(first);
    if (accepted?.type !== "accepted") {
      throw cliError("ERR_DRAIN_CLI_PROTOCOL", `${where} answered /shutdown without an "accepted" line: is it a drain control endpoint?`);
    }
    // An impostor's invented pid must never be reported gone.
    verifyPid(invocation.target, accepted.pid, io);
    pid = accepted.pid;
    io.out(invocation.json ? (first as string) : formatAccepted(accepted));
    if (!invocation.wait) return EXIT.ok;

    stage = "report";
    follow(accepted);
    const report = await followToReport(stream, { json: invocation.json, io, where, follow });
    if (report === undefined && deadline.signal.aborted) throw timedOut(stage, where, pid, deadline);
    if (report === undefined) {
      // The stream broke: the server may be crashing (its socket closes before its pid is reaped) or only its
      // control listener failed. Either way --wait promises the process is gone, so wait for that too.
      const gone = await waitForExit(pid, deadline.signal);
      throw brokenStream(pid, gone, deadline);
    }
    io.out(invocation.json ? report.raw : formatReport(pid, report.body));

    stage = "exit";
    if (!(await waitForExit(pid, deadline.signal))) throw timedOut(stage, where, pid, deadline);
    if (!invocation.json) io.out(`drain: pid ${pid} is gone`);
    return report.body.clean ? EXIT.ok : EXIT.forced;
  } catch (error) {
    const broken = isCliError(error) && error.code === "ERR_DRAIN_CLI_STREAM_BROKEN";
    if (deadline.signal.aborted && !broken) throw timedOut(stage, where, pid, deadline);
    throw error;
  } finally {
    deadline.clear();
    // Done with the stream (or leaving early without --wait): the shutdown goes on without us.
    response?.destroy();
  }
}

/** The JSON body: only the fields given, so the server's own defaults apply to the rest. */
export function requestBody(invocation: Pick<StopInvocation, "mode" | "timeoutMs" | "reason">): string {
  const body: Record<string, unknown> = {};
  if (invocation.mode !== undefined) body["mode"] = invocation.mode;
  if (invocation.timeoutMs !== undefined) body["timeoutMs"] = invocation.timeoutMs;
  if (invocation.reason !== undefined) body["reason"] = invocation.reason;
  return JSON.stringify(body);
}

async function nextLine(stream: AsyncIterator<string>, where: string): Promise<string | undefined> {
  try {
    const next = await stream.next();
    return next.done === true ? undefined : next.value;
  } catch {
    throw cliError("ERR_DRAIN_CLI_PROTOCOL", `${where} closed the /shutdown answer before saying it accepted: check the server's log.`);
  }
}

interface Follow {
  readonly json: boolean;
  readonly io: Io;
  readonly where: string;
  /** Called with every accepted/progress line, to move the wait. */
  readonly follow: (line: Timed) => void;
}

async function followToReport(stream: AsyncIterator<string>, { json, io, where, follow }: Follow): Promise<{ raw: string; body: ReportBody } | undefined> {
  for (;;) {
    let next: IteratorResult<string>;
    try {
      next = await stream.next();
    } catch {
      return undefined; // Cut mid-stream: reported by the caller as a broken stream.
    }
    if (next.done === true) return undefined;
    const line = parseStreamLine(next.value);
    if (line === undefined) throw cliError("ERR_DRAIN_CLI_PROTOCOL", `${where} sent a line that is not the drain protocol: ${next.value.slice(0, 200)}`);
    if (json) {
      if (line.type !== "report") io.out(next.value);
    } else if (line.type === "progress") {
      io.out(formatProgress(line));
    }
    if (line.type === "progress") follow(line);
    if (line.type === "report") return { raw: next.value, body: line.report };
    if (line.type === "error") {
      throw cliError("ERR_DRAIN_CLI_REFUSED", `${where} accepted, then could not start the shutdown: ${line.error.message} (${line.error.code}).`);
    }
  }
}

function brokenStream(pid: number, gone: boolean, deadline: Deadline): CliError {
  return cliError(
    "ERR_DRAIN_CLI_STREAM_BROKEN",
    gone
      ? `the progress stream ended before the report: pid ${pid} exited without a report: it crashed or was killed mid-drain; check its log.`
      : `the progress stream ended before the report, and pid ${pid} is still running after ${formatSeconds(deadline.totalMs())}: check its log.`,
  );
}

function timedOut(stage: Stage, where: string, pid: number | undefined, deadline: Deadline): CliError {
  const after = `after ${formatSeconds(deadline.totalMs())}`;
  switch (stage) {
    case "accept":
      return cliError("ERR_DRAIN_CLI_TIMEOUT", `no answer from ${where} ${after}: the server may be stuck; its supervisor will have to kill it.`);
    case "report":
      return cliError(
        "ERR_DRAIN_CLI_TIMEOUT",
        `gave up ${after} waiting for the report; pid ${pid} is ${pid !== undefined && isAlive(pid) ? "still draining" : "gone"}. Raise --wait-timeout above the server's budget, or check its log.`,
      );
    case "exit":
      return cliError(
        "ERR_DRAIN_CLI_TIMEOUT",
        `pid ${pid} is still running ${after}, though its drain reported done: something keeps the process alive (an open handle, a timer, another server). Its supervisor will have to kill it.`,
      );
  }
}
