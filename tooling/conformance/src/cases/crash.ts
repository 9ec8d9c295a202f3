/**
 * Crashes (the `crash` option): an uncaught exception or an unhandled rejection is drained within the crash budget
 * instead of killing the process at once. Work in flight completes, SSE streams get their last frame, WebSockets get
 * 1001, the hooks run and see the error, the report carries it, and the exit code is `exit.crashed` (70). A second
 * error during the crash drain forces at once. Without the option the runtime's own behaviour stands: it dies.
 * Protocol-neutral (SSE and WebSockets where HTTP/1.1 is served); runs on every target.
 */
import { expect, it } from "vitest";
import { fetchOnce, openSse, openWebSocket } from "../clients.ts";
import type { Target } from "../targets.ts";
import { barrier, inFlight, later, PROMPT_MS, rejection, start } from "./_support.ts";

/** The exit code after a crash (drain's default, EX_SOFTWARE). */
const CRASHED = 70;
const CRASH_BUDGET_MS = 3000;

export function crashCases(target: Target): void {
  const http2 = target.http2;
  const streams = target.http1;

  for (const [kind, origin, message] of [
    ["throw", "uncaughtException", "boom from a timer"],
    ["reject", "unhandledRejection", "boom from a rejection"],
  ] as const) {
    it(`crash on, ${origin}: the request in flight completes, SSE gets its last frame, a WebSocket gets 1001, hooks see the error, the report has it, exit 70 within the crash budget`, async () => {
      const fixture = await start(target, {
        options: { crash: { timeoutMs: CRASH_BUDGET_MS }, timeoutMs: 20_000 },
        hooks: [{ name: "flush", order: 0, behaviour: "ok", timeoutMs: 500 }],
      });
      const slow = await inFlight(fixture, "/slow?ms=800");
      const sse = streams ? await openSse(fixture.url) : undefined;
      if (sse !== undefined) later(() => sse.connection.destroy());
      await sse?.waitForEvents(1);
      const ws = streams ? await openWebSocket(fixture.url) : undefined;
      if (ws !== undefined) later(() => ws.terminate());
      if (ws !== undefined) expect(await ws.echo("hello")).toBe("hello");
      await barrier(fixture);

      const crashing = await fetchOnce(fixture.url, `/crash/${kind}`, { http2, method: "POST" });
      expect(crashing.status).toBe(200);
      const crashAt = crashing.at;

      const response = await slow.response;
      expect(response.status).toBe(200);
      expect(response.body).toBe("slow-done");
      if (sse !== undefined) {
        const result = await sse.done;
        expect(result.events[result.events.length - 1]?.retry).toBeGreaterThan(0);
        expect(result.cleanEnd).toBe(true);
      }
      if (ws !== undefined) expect((await ws.closed).code).toBe(1001);

      const exit = await fixture.exit;
      expect(exit.code).toBe(CRASHED);
      expect(exit.at - crashAt).toBeLessThan(CRASH_BUDGET_MS);
      expect(fixture.stdoutLines).toContain("HOOK flush");
      expect(fixture.stdoutLines).toContain(`HOOK-ERROR flush ${message}`);
      const report = fixture.report();
      expect(report.error).toMatch(message);
      expect(report).toMatchObject({ reason: origin, escalated: false });
      expect(report.hooks).toEqual([expect.objectContaining({ name: "flush", result: "ok" })]);
      if (streams) expect(report).toMatchObject({ sse: { ended: 1, forced: 0 }, websockets: { closed: 1, forced: 0 } });
      // The error is logged for the operator.
      expect(fixture.stderr()).toMatch(message);
    });
  }

  it("crash on: a second error during the crash drain forces at once (exit 70 long before the crash budget)", async () => {
    const crashBudgetMs = 10_000;
    const fixture = await start(target, { options: { crash: { timeoutMs: crashBudgetMs }, timeoutMs: 20_000 } });
    const hang = await inFlight(fixture, "/hang");
    await barrier(fixture);

    const crashing = await fetchOnce(fixture.url, "/crash/throw?againMs=200", { http2, method: "POST" });
    expect(crashing.status).toBe(200);
    await fixture.waitForLine("PHASE drain");
    const exit = await fixture.exit;
    expect(exit.code).toBe(CRASHED);
    // 200 ms to the second error, then at once; nowhere near the 10 s budget.
    expect(exit.at - crashing.at).toBeLessThan(200 + PROMPT_MS);
    await rejection(hang.response);
    expect(fixture.report()).toMatchObject({ escalated: true, clean: false, mode: "immediate", error: expect.stringMatching("boom from a timer") });
  });

  it("crash on, during a graceful shutdown: the budget shrinks to the crash budget and the exit code is the crash code", async () => {
    const fixture = await start(target, { options: { crash: { timeoutMs: 1000 }, notifyMs: 8000, timeoutMs: 20_000 } });
    fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify");
    const crashing = await fetchOnce(fixture.url, "/crash/throw", { http2, method: "POST" });
    expect(crashing.status).toBe(200);
    const exit = await fixture.exit;
    expect(exit.code).toBe(CRASHED);
    // Not the 8 s of notify: the crash budget from the error.
    expect(exit.at - crashing.at).toBeLessThan(1000 + PROMPT_MS);
    expect(fixture.report()).toMatchObject({ reason: "SIGTERM", error: expect.stringMatching("boom from a timer") });
  });

  for (const kind of ["throw", "reject"] as const) {
    it(`crash off (the default), ${kind}: the runtime's own behaviour is unchanged: the process dies with code 1, no drain, no report`, async () => {
      const fixture = await start(target, { options: { timeoutMs: 20_000 } });
      const crashing = await fetchOnce(fixture.url, `/crash/${kind}`, { http2, method: "POST" });
      expect(crashing.status).toBe(200);
      const exit = await fixture.exit;
      expect(exit.code).toBe(1);
      expect(exit.at - crashing.at).toBeLessThan(PROMPT_MS);
      expect(fixture.stdoutLines.some((line) => line.startsWith("REPORT ") || line.startsWith("PHASE "))).toBe(false);
    });
  }
}
