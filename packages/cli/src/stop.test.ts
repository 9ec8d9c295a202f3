import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseInvocation, type StopInvocation } from "./args.ts";
import { isCliError } from "./errors.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { stop } from "./stop.ts";
import { runCli, socketDir, startStubProcess, type CliResult, type StubProcess } from "./testing/run-cli.ts";
import { HOOKS_PAST_DEADLINE_MS, startStubControl, type StubControl } from "./testing/stub-control.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function inProcess(options: Parameters<typeof startStubControl>[0]): Promise<StubControl> {
  const stub = await startStubControl(options);
  cleanups.push(() => stub.close());
  return stub;
}

async function asProcess(scenario: Parameters<typeof startStubProcess>[0], exitAfter: string): Promise<StubProcess> {
  const stub = await startStubProcess(scenario, exitAfter);
  cleanups.push(() => stub.kill());
  return stub;
}

/** `stop()` itself, with a short wait margin, so a test can wait past the margin without waiting 5 s. */
async function stopWithMargin(argv: readonly string[], waitMarginMs: number): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (line: string) => void out.push(line), err: (line: string) => void err.push(line) };
  let code: ExitCode;
  try {
    code = await stop(parseInvocation(["stop", ...argv], {}) as StopInvocation, io, { waitMarginMs });
  } catch (error) {
    if (!isCliError(error)) throw error;
    err.push(`drain: ${error.message}`);
    code = error.exitCode;
  }
  return { code, out, err };
}

describe("drain stop --wait against a server process", () => {
  it("returns 0 only after the process is gone, having printed progress in order", async () => {
    const stub = await asProcess("clean", "300");
    const result = await runCli(["stop", "--wait", "--socket", stub.socket]);
    expect(stub.exited()).toBe(true);
    expect(await stub.exit).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toEqual([
      `drain: pid ${stub.pid} accepted the shutdown (graceful): phase notify, deadline in 2.0 s`,
      "drain: phase drain, 1 requests in flight, 1 active, 1 idle, 2 SSE; deadline in 1.5 s",
      "drain: phase cleanup, 1 idle; budget ends in 1.4 s",
      expect.stringMatching(new RegExp(`^drain: pid ${stub.pid} stopped clean in 0\\.1 s \\(graceful\\): closed 1 idle`)),
      `drain: pid ${stub.pid} is gone`,
    ]);
  });

  it("exits 1 when the report says something was forced", async () => {
    const stub = await asProcess("forced", "0");
    const result = await runCli(["stop", "--wait", "--socket", stub.socket]);
    expect(result.code).toBe(EXIT.forced);
    expect(result.out.at(-2)).toMatch(/stopped NOT clean .*forced 2 connections.*hooks not ok: db \(timeout\)/);
    expect(stub.exited()).toBe(true);
  });

  it("exits 6 with a clear message when the server dies mid-stream", async () => {
    const stub = await asProcess("dies-mid-stream", "0");
    const result = await runCli(["stop", "--wait", "--socket", stub.socket]);
    expect(await stub.exit).toBe(70);
    expect(result.code).toBe(EXIT.broken);
    expect(result.err.join("\n")).toMatch(/ended before the report: pid \d+ exited without a report: it crashed or was killed mid-drain; check its log\./);
  });

  it("exits 6 when the stream breaks and the process stays up, once --wait-timeout passes", async () => {
    const stub = await inProcess({ scenario: "dies-mid-stream", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", "--wait", "--wait-timeout", "500ms", ...stub.flags]);
    expect(result.code).toBe(EXIT.broken);
    expect(result.err).toEqual([`drain: the progress stream ended before the report, and pid ${process.pid} is still running after 0.5 s: check its log.`]);
  });

  it("exits 5 when the process stays up after its report, once --wait-timeout passes", async () => {
    const stub = await asProcess("clean", "never");
    const result = await runCli(["stop", "--wait", "--wait-timeout", "1s", "--socket", stub.socket]);
    expect(result.code).toBe(EXIT.timedOut);
    expect(stub.exited()).toBe(false);
    expect(result.err.join("\n")).toMatch(new RegExp(`pid ${stub.pid} is still running after 1\\.0 s, though its drain reported done`));
  });
});

describe("drain stop --wait follows the server's budget", () => {
  it("waits for cleanup hooks that run past the force deadline but inside the budget (msToBudgetEnd)", async () => {
    const stub = await asProcess("hooks-past-deadline", "0");
    // The force deadline is 40 ms away and the margin 1 s: a wait counted from msToDeadline gives up at about
    // 1.04 s, while the hooks end, and the report comes, at 1.5 s.
    const marginMs = 1_000;
    expect(HOOKS_PAST_DEADLINE_MS).toBeGreaterThan(40 + marginMs);
    const result = await stopWithMargin(["--wait", "--socket", stub.socket], marginMs);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain("drain: phase cleanup, 1 idle; budget ends in 1.5 s");
    expect(result.out.at(-1)).toBe(`drain: pid ${stub.pid} is gone`);
    expect(stub.exited()).toBe(true);
  });

  it("moves the wait with every line: a budget announced as a minute, then said to be over, is not waited for", async () => {
    const stub = await inProcess({ scenario: "budget-over-stalls", listen: join(socketDir(), "c.sock") });
    const result = await stopWithMargin(["--wait", ...stub.flags], 300);
    expect(result.code).toBe(EXIT.timedOut);
    expect(result.err).toEqual([expect.stringContaining("waiting for the report; pid")]);
  });

  it("falls back to msToDeadline for a server that does not send msToBudgetEnd, and its null leaves the wait alone", async () => {
    // Accepted with msToDeadline 200, then only null lines every 20 ms: giving up at about 0.5 s shows the
    // deadline came from msToDeadline (not the 25 s default) and was not pushed on by the null lines.
    const stub = await inProcess({ scenario: "legacy-stalls", listen: join(socketDir(), "c.sock") });
    const result = await stopWithMargin(["--wait", ...stub.flags], 300);
    expect(result.code).toBe(EXIT.timedOut);
    expect(result.err).toEqual([expect.stringContaining("waiting for the report; pid")]);
  });

  it("keeps to --wait-timeout whatever the server says", async () => {
    const stub = await inProcess({ scenario: "hooks-past-deadline", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", "--wait", "--wait-timeout", "300ms", ...stub.flags]);
    expect(result.code).toBe(EXIT.timedOut);
    expect(result.err).toEqual([expect.stringContaining("gave up after 0.3 s waiting for the report")]);
  });

  it("exits 3 with the server's message when it accepted but could not start the shutdown", async () => {
    const stub = await inProcess({ scenario: "cannot-start", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", "--wait", ...stub.flags]);
    expect(result.code).toBe(EXIT.refused);
    expect(result.err).toEqual([expect.stringContaining("accepted, then could not start the shutdown: This drain was disposed. (ERR_DRAIN_DISPOSED).")]);
  });
});

describe("drain stop when the endpoint is rate limiting", () => {
  it("retries after Retry-After, and not before, then follows the drain as usual", async () => {
    const stub = await inProcess({ scenario: "stalls", listen: join(socketDir(), "c.sock"), rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const result = await runCli(["stop", ...stub.flags]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.err).toEqual(["drain: the control endpoint is rate limiting requests; retrying in 1.0 s."]);
    expect(result.out).toEqual([expect.stringContaining("accepted the shutdown")]);
    expect(stub.requests.map((request) => request.path)).toEqual(["/shutdown", "/shutdown"]);
    expect(stub.tooEarly()).toBe(0);
  });

  it("exits 3 at once, sending nothing more, when the wait asked for would pass its deadline", async () => {
    const stub = await inProcess({ scenario: "clean", listen: join(socketDir(), "c.sock"), rateLimit: { count: 1, retryAfterSeconds: 7 } });
    const result = await runCli(["stop", "--wait", "--wait-timeout", "3s", ...stub.flags]);
    expect(result.code).toBe(EXIT.refused);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([expect.stringContaining("rate limiting requests and asks to retry in 7 s, past drain's own deadline: try again then.")]);
    expect(stub.requests).toHaveLength(1);
  });
});

describe("drain stop against stub endpoints", () => {
  it("without --wait returns once accepted, sending only the flags given", async () => {
    const stub = await inProcess({ scenario: "stalls", listen: 0 });
    const result = await runCli(["stop", ...stub.flags, "--mode", "lameduck", "--timeout", "20s", "--reason", "deploy 42"]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toEqual([`drain: pid ${process.pid} accepted the shutdown (graceful): phase notify, deadline in 2.0 s`]);
    expect(stub.requests).toEqual([
      { method: "POST", path: "/shutdown", authorization: undefined, body: '{"mode":"lameduck","timeoutMs":20000,"reason":"deploy 42"}' },
    ]);
  });

  it("sends an empty object when no option is given, so the server's defaults apply", async () => {
    const stub = await inProcess({ scenario: "stalls", listen: join(socketDir(), "c.sock") });
    await runCli(["stop", ...stub.flags]);
    expect(stub.requests[0]?.body).toBe("{}");
  });

  it("exits 5 when no report comes before --wait-timeout, saying the server is still draining", async () => {
    const stub = await inProcess({ scenario: "stalls", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", "--wait", "--wait-timeout", "300ms", ...stub.flags]);
    expect(result.code).toBe(EXIT.timedOut);
    expect(result.out.length).toBeGreaterThan(1);
    expect(result.err).toEqual([expect.stringContaining("gave up after 0.3 s waiting for the report; pid")]);
    expect(result.err[0]).toContain("still draining");
  });

  it("says when it joined a shutdown already under way", async () => {
    const stub = await inProcess({ scenario: "joined", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", ...stub.flags]);
    expect(result.out[0]).toContain("joined the shutdown already under way");
  });

  it("prints the server's lines untouched with --json", async () => {
    const stub = await inProcess({ scenario: "stalls", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", "--json", ...stub.flags]);
    expect(result.out.map((line) => JSON.parse(line) as { type: string })).toEqual([expect.objectContaining({ type: "accepted", pid: process.pid })]);
  });

  it("sends the token from DRAIN_CONTROL_TOKEN, and --token wins over it", async () => {
    const stub = await inProcess({ scenario: "stalls", listen: join(socketDir(), "c.sock"), token: "s3cret" });
    expect((await runCli(["stop", ...stub.flags], { DRAIN_CONTROL_TOKEN: "s3cret" })).code).toBe(EXIT.ok);
    const wrong = await runCli(["stop", ...stub.flags, "--token", "nope"], { DRAIN_CONTROL_TOKEN: "s3cret" });
    expect(wrong.code).toBe(EXIT.refused);
    expect(wrong.err[0]).toContain("did not accept the token: check --token or DRAIN_CONTROL_TOKEN");
    expect(stub.requests.map((request) => request.authorization)).toEqual(["Bearer s3cret", "Bearer nope"]);
  });

  it.each([
    ["refuse-401", "the control endpoint needs a token: pass --token or set DRAIN_CONTROL_TOKEN"],
    ["refuse-400", "refused the request (400): mode must be graceful, lameduck or immediate. (ERR_DRAIN_CONTROL_BAD_REQUEST)"],
  ] as const)("exits 3 when the server answers %s, passing on what it said", async (scenario, message) => {
    const stub = await inProcess({ scenario, listen: join(socketDir(), "c.sock") });
    const result = await runCli(["stop", "--wait", ...stub.flags]);
    expect(result.code).toBe(EXIT.refused);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([expect.stringContaining(message)]);
  });

  it("exits 7 when the endpoint does not speak the protocol", async () => {
    const stub = await inProcess({ scenario: "not-drain", listen: 0 });
    const result = await runCli(["stop", ...stub.flags]);
    expect(result.code).toBe(EXIT.protocol);
    expect(result.err[0]).toMatch(/answered 404 Not Found without a drain error body: is it a drain control endpoint\?/);
  });

  it("exits 4 naming the socket and the option to set when there is no socket file", async () => {
    const socket = join(socketDir(), "missing.sock");
    const result = await runCli(["stop", "--wait", "--socket", socket]);
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.err).toEqual([`drain: no drain control endpoint at ${socket}: is the service running with control: { socket: "${socket}" }?`]);
  });

  it("exits 4 when nothing listens on the loopback port", async () => {
    const stub = await inProcess({ scenario: "clean", listen: 0 });
    await stub.close();
    const result = await runCli(["stop", ...stub.flags]);
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.err[0]).toMatch(/nothing is listening at http:\/\/127\.0\.0\.1:\d+: is the service running with control: \{ port: \d+, token \}\?/);
  });
});
