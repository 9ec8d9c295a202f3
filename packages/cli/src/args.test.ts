import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInvocation, type StopInvocation } from "./args.ts";
import { parseDuration } from "./durations.ts";
import { isCliError } from "./errors.ts";
import { EXIT } from "./exit-codes.ts";

function usageMessage(argv: readonly string[], env: Record<string, string> = {}): string {
  try {
    parseInvocation(argv, env);
  } catch (error) {
    if (isCliError(error) && error.code === "ERR_DRAIN_CLI_USAGE" && error.exitCode === EXIT.usage) return error.message;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseInvocation", () => {
  it("reads a full stop command", () => {
    const argv = ["stop", "--socket", "/run/a.sock", "--mode", "lameduck", "--timeout", "20s", "--reason", "deploy", "--wait", "--wait-timeout", "1m", "--json"];
    expect(parseInvocation(argv, {})).toEqual({
      command: "stop",
      target: { socket: "/run/a.sock" },
      token: undefined,
      json: true,
      mode: "lameduck",
      timeoutMs: 20_000,
      reason: "deploy",
      wait: true,
      waitTimeoutMs: 60_000,
    });
  });

  it("leaves unset what was not given, so the server's defaults apply", () => {
    const invocation = parseInvocation(["stop", "--url", "http://127.0.0.1:9090"], {}) as StopInvocation;
    expect(invocation).toMatchObject({ mode: undefined, timeoutMs: undefined, reason: undefined, wait: false, waitTimeoutMs: undefined });
    expect("url" in invocation.target && invocation.target.url.href).toBe("http://127.0.0.1:9090/");
  });

  it("takes the token from DRAIN_CONTROL_TOKEN unless --token is given", () => {
    const env = { DRAIN_CONTROL_TOKEN: "from-env" };
    expect(parseInvocation(["status", "--socket", "/s"], env)).toMatchObject({ token: "from-env" });
    expect(parseInvocation(["status", "--socket", "/s", "--token", "flag"], env)).toMatchObject({ token: "flag" });
    expect(parseInvocation(["status", "--socket", "/s"], { DRAIN_CONTROL_TOKEN: "" })).toMatchObject({ token: undefined });
  });

  it("answers help for --help, -h and help", () => {
    for (const argv of [["--help"], ["-h"], ["help"], ["stop", "--help"]]) expect(parseInvocation(argv, {})).toEqual({ command: "help" });
  });

  it.each([
    [[], "say what to do: drain status or drain stop."],
    [["restart", "--socket", "/s"], "unknown command 'restart': use status or stop."],
    [["stop"], "say where the control endpoint is: --socket"],
    [["stop", "--socket", "/s", "--url", "http://127.0.0.1:1"], "give --socket or --url, not both."],
    [["stop", "--socket", ""], "--socket needs the path"],
    [["stop", "--url", "http://10.0.0.5:9090"], "--url must be http:// on loopback"],
    [["stop", "--url", "https://127.0.0.1:9090"], "--url must be http:// on loopback"],
    [["stop", "--url", "not a url"], "--url must be a URL like http://127.0.0.1:9090; got 'not a url'."],
    [["stop", "--socket", "/s", "--mode", "fast"], "--mode must be graceful, lameduck or immediate; got 'fast'."],
    [["stop", "--socket", "/s", "--timeout", "soon"], "--timeout must be a duration between 1ms and 1h"],
    [["stop", "--socket", "/s", "--timeout", "2h"], "--timeout must be a duration between 1ms and 1h"],
    [["stop", "--socket", "/s", "--wait-timeout", "0"], "--wait-timeout must be a duration between 1ms and 1h"],
    [["stop", "--socket", "/s", "--reason", "x".repeat(201)], "--reason must be at most 200 characters (got 201)"],
    [["stop", "--socket", "/s", "--token", "a b"], "--token (or DRAIN_CONTROL_TOKEN) must be a non-empty token without spaces."],
    [["stop", "--socket", "/s", "extra"], "unexpected argument 'extra'"],
    [["status", "--socket", "/s", "--wait"], "--wait is for drain stop; drain status only reads."],
    [["status", "--socket", "/s", "--force"], "Unknown option '--force'"],
    [["stop", "--socket"], "Option '--socket <value>' argument missing"],
  ])("refuses %j: %s", (argv, message) => {
    const text = usageMessage(argv);
    expect(text).toContain(message);
    expect(text).toMatch(/Run drain --help for the full usage\.$/);
  });

  it("never fails with anything but a usage error, whatever the command line", () => {
    const word = fc.oneof(
      fc.constantFrom("stop", "status", "help", "--socket", "--url", "--token", "--json", "--mode", "--timeout", "--reason", "--wait", "--wait-timeout", "-h", "--", "-x"),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
        try {
          parseInvocation(argv, {});
        } catch (error) {
          expect(isCliError(error) && error.code === "ERR_DRAIN_CLI_USAGE").toBe(true);
        }
      }),
    );
  });
});

describe("parseDuration", () => {
  it("reads bare milliseconds and ms, s, m suffixes", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3_600_000 }), (ms) => parseDuration("--t", String(ms)) === ms && parseDuration("--t", `${ms}ms`) === ms));
    fc.assert(fc.property(fc.integer({ min: 1, max: 3_600 }), (s) => parseDuration("--t", `${s}s`) === s * 1_000));
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), (m) => parseDuration("--t", `${m}m`) === m * 60_000));
    expect(parseDuration("--t", "1.5s")).toBe(1_500);
  });

  it("refuses zero, fractions of a millisecond, more than an hour, and other units", () => {
    for (const text of ["0", "0s", "0.5", "1.0001s", "3600001", "61m", "-1", "1h", "1 s", "", "1e3"]) {
      expect(() => parseDuration("--t", text), text).toThrow(/--t must be a duration/);
    }
  });
});
