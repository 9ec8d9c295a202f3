import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.ts";
import { runCli, socketDir } from "./testing/run-cli.ts";
import { startStubControl, type StubControl } from "./testing/stub-control.ts";

let stub: StubControl | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe("drain status", () => {
  it("prints one line: pid, runtime, phase and what is open", async () => {
    stub = await startStubControl({ scenario: "clean", listen: join(socketDir(), "c.sock") });
    const result = await runCli(["status", ...stub.flags]);
    expect(result).toEqual({ code: EXIT.ok, out: [`drain: pid ${process.pid} (node) serving: 1 requests in flight, 1 active, 1 idle, 2 SSE`], err: [] });
    expect(stub.requests).toEqual([{ method: "GET", path: "/status", authorization: undefined, body: "" }]);
  });

  it("prints the body as it came with --json, over loopback TCP", async () => {
    stub = await startStubControl({ scenario: "clean", listen: 0, pid: 4321 });
    const result = await runCli(["status", "--json", ...stub.flags]);
    expect(JSON.parse(result.out[0] ?? "")).toMatchObject({ pid: 4321, runtime: "node", phase: "serving", msToDeadline: null });
  });

  it("exits 3 and asks for a token on 401", async () => {
    stub = await startStubControl({ scenario: "clean", listen: join(socketDir(), "c.sock"), token: "t0k3n" });
    const result = await runCli(["status", ...stub.flags]);
    expect(result.code).toBe(EXIT.refused);
    expect(result.err[0]).toContain("needs a token");
    expect((await runCli(["status", ...stub.flags, "--token", "t0k3n"])).code).toBe(EXIT.ok);
  });

  it("retries a 429 after its Retry-After, and not before", async () => {
    stub = await startStubControl({ scenario: "clean", listen: join(socketDir(), "c.sock"), rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const result = await runCli(["status", ...stub.flags]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.err).toEqual(["drain: the control endpoint is rate limiting requests; retrying in 1.0 s."]);
    expect(stub.requests).toHaveLength(2);
    expect(stub.tooEarly()).toBe(0);
  });

  it("exits 3 without retrying when Retry-After is past its own 5 s deadline", async () => {
    stub = await startStubControl({ scenario: "clean", listen: join(socketDir(), "c.sock"), rateLimit: { count: 1, retryAfterSeconds: 6 } });
    const result = await runCli(["status", ...stub.flags]);
    expect(result.code).toBe(EXIT.refused);
    expect(result.err).toEqual([expect.stringContaining("asks to retry in 6 s, past drain's own deadline")]);
    expect(stub.requests).toHaveLength(1);
  });

  it("exits 7 when the answer is not a drain status", async () => {
    stub = await startStubControl({ scenario: "not-drain", listen: 0 });
    expect((await runCli(["status", ...stub.flags])).code).toBe(EXIT.protocol);
  });
});
