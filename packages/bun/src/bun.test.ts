import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { drain } from "./index.ts";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
// The real binary, not the package-manager shim (the shim does not pass signals on).
const bunBinary = join(dirname(createRequire(import.meta.url).resolve("bun/package.json")), "bin", "bun.exe");

/** Run one scenario of `test/scenarios.ts` on Bun and return what it printed after `RESULT`. */
async function scenario(name: string, budgetMs = 10_000): Promise<Record<string, unknown>> {
  const child = spawn(bunBinary, ["test/scenarios.ts", name], { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), budgetMs);
  try {
    const code = await new Promise<number | null>((resolve) => child.on("exit", (exitCode) => resolve(exitCode)));
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (code !== 0 || line === undefined) throw new Error(`scenario ${name} exited ${String(code)}\n${stdout}\n${stderr}`);
    return JSON.parse(line.slice("RESULT ".length)) as Record<string, unknown>;
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

describe("@drain/bun outside Bun", () => {
  it("refuses to start and names the adapters that fit", () => {
    expect(() => drain()).toThrowError(expect.objectContaining({ code: "ERR_DRAIN_WRONG_RUNTIME" }));
    expect(() => drain()).toThrowError(/@drain\/node.*@drain\/deno/);
  });
});

describe("@drain/bun on Bun", () => {
  it("sets Connection: close in place during the drain, keeping Bun's implicit content type", async () => {
    expect(await scenario("connection-close")).toEqual({
      connection: "close",
      contentType: "text/plain;charset=utf-8",
      body: "hi",
      clean: true,
      closedAfterResponse: 1,
    });
  });

  it("options that are not an options object fail with a DrainError and a code, never a TypeError", async () => {
    expect(await scenario("bad-options")).toEqual({
      null: "DrainError ERR_DRAIN_INVALID_OPTION",
      string: "DrainError ERR_DRAIN_INVALID_OPTION",
      array: "DrainError ERR_DRAIN_INVALID_OPTION",
      loggerNull: "DrainError ERR_DRAIN_INVALID_OPTION",
      exitTypo: "DrainError ERR_DRAIN_UNKNOWN_OPTION",
    });
  });

  it("adds nothing while serving", async () => {
    expect(await scenario("no-close-while-serving")).toEqual({ connection: null, contentType: "text/plain;charset=utf-8" });
  });

  it("tracks a streamed body until the stream ends, and the drain waits for it", async () => {
    const result = await scenario("stream-tracking");
    expect(result).toMatchObject({ whileStreaming: 1, after: 0, received: "chunk2;chunk3;chunk4;chunk5;", stoppedAfterStream: true, clean: true });
    // Four more chunks at 100 ms each were still to come when the shutdown started.
    expect(result["drainMs"]).toBeGreaterThanOrEqual(350);
  });

  it("ends the request at the upgrade and closes the WebSocket with 1001 on drain", async () => {
    expect(await scenario("websocket")).toEqual({
      echo: "ping",
      requests: 0,
      websockets: 1,
      close: { code: 1001, reason: "server shutting down" },
      wsClosed: 1,
      clean: true,
    });
  });

  it("keeps a quiet SSE stream past Bun's idle timeout, then ends it with a retry frame", async () => {
    const result = await scenario("sse-idle", 15_000);
    expect(result).toMatchObject({ endedEarly: false, how: "end", sseEnded: 1 });
    expect(result["lastFrame"]).toMatch(/^event: drain\nretry: \d+\ndata: test\n\n$/);
  }, 20_000);

  it("tracks routes handlers like fetch and leaves static routes to Bun", async () => {
    expect(await scenario("routes")).toEqual({ inFlight: 1, body: "slow", method: "get", staticBody: "static" });
  });

  it("holds its requests while serving and hands the core those in flight: counts(), a nested handler, a shutdown from a handler", async () => {
    expect(await scenario("held-while-serving")).toEqual({
      running: { active: 1, requests: 1 },
      nested: 2,
      whilePending: 1,
      afterwards: { active: 0, idle: 0, requests: 0 },
      shutdownResponse: { body: "bye", connection: "close" },
      clean: true,
    });
  });

  it("ends the request of a handler that throws", async () => {
    expect(await scenario("throws")).toEqual({ status: 500, body: "handled", clean: true });
  });

  it("forces what never answers with stop(true) at the deadline", async () => {
    const result = await scenario("force");
    expect(result).toMatchObject({ client: "failed", clean: false, forced: 1, pendingRequests: 0 });
    expect(result["durationMs"]).toBeGreaterThanOrEqual(400);
  });

  it("checks what attach() is given", async () => {
    expect(await scenario("attach-errors")).toEqual({
      notWrapped: "ERR_DRAIN_NOT_ATTACHED",
      notAServer: "ERR_DRAIN_INVALID_OPTION",
      sameAgain: "no error",
      another: "ERR_DRAIN_ALREADY_ATTACHED",
      afterDispose: "ERR_DRAIN_DISPOSED",
      attachedIsServer: true,
    });
  });
});
