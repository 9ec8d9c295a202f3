/**
 * Protocol-neutral cases: readiness and liveness during notify, hooks, the handlers' shutdown signal,
 * escalation and the deadline (exit codes), and `dispose()`. They run on every target, in its own protocol.
 */
import { expect, it } from "vitest";
import { fetchOnce, isConnectionClose } from "../clients.ts";
import type { Target } from "../targets.ts";
import { barrier, BASE_OPTIONS, FORCED, inFlight, PROMPT_MS, rejection, start } from "./_support.ts";

export function lifecycleCases(target: Target): void {
  const http2 = target.http2;

  it("fails readiness during notify while new connections are served and liveness stays 200", async () => {
    const notifyMs = 1500;
    const fixture = await start(target, { options: { notifyMs } });
    expect((await fetchOnce(fixture.url, "/ready", { http2 })).status).toBe(200);

    const signalledAt = fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify");
    const ready = await fetchOnce(fixture.url, "/ready", { http2 });
    const root = await fetchOnce(fixture.url, "/", { http2 });
    const live = await fetchOnce(fixture.url, "/live", { http2 });
    // All three were answered inside the notify window, on new connections.
    expect(live.at - signalledAt).toBeLessThan(notifyMs);
    expect(ready.status).toBe(503);
    expect(root.status).toBe(200);
    expect(root.body).toBe("ok");
    if (!http2) expect(isConnectionClose(root.headers)).toBe(true);
    expect(live.status).toBe(200);

    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    // The notify window was honoured, and nothing lingered after it.
    expect(exit.msSinceSignal).toBeGreaterThanOrEqual(notifyMs - 20);
    expect(exit.msSinceSignal).toBeLessThan(notifyMs + PROMPT_MS);
  });

  it("runs hooks in order, reports a throwing and a hanging hook, and still exits within budget", async () => {
    const fixture = await start(target, {
      // Registered out of order on purpose: `order` decides.
      hooks: [
        { name: "last", order: 4, behaviour: "ok", timeoutMs: 300 },
        { name: "throws", order: 2, behaviour: "throw", timeoutMs: 300 },
        { name: "first", order: 1, behaviour: "ok", timeoutMs: 300 },
        { name: "hangs", order: 3, behaviour: "hang", timeoutMs: 300 },
      ],
    });
    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(fixture.stdoutLines.filter((line) => line.startsWith("HOOK "))).toEqual(["HOOK first", "HOOK throws", "HOOK hangs", "HOOK last"]);
    const hooks = fixture.report().hooks;
    expect(hooks.map((h) => [h.name, h.result])).toEqual([
      ["first", "ok"],
      ["throws", "error"],
      ["hangs", "timeout"],
      ["last", "ok"],
    ]);
    expect(hooks[1]?.error).toMatch(/failed on purpose/);
    expect(hooks[2]?.durationMs).toBeGreaterThanOrEqual(250);
    // A failed hook makes the shutdown unclean; the hanging one cost its timeout, not the budget.
    expect(exit.code).toBe(FORCED);
    expect(exit.msSinceSignal).toBeLessThan(300 + PROMPT_MS);
    expect(exit.msSinceSignal).toBeLessThan(BASE_OPTIONS.timeoutMs);
  });

  it("fires the shutdown signal for handlers when the drain starts (/signal answers aborted)", async () => {
    const fixture = await start(target);
    const waiting = await inFlight(fixture, "/signal");
    await barrier(fixture);
    expect(waiting.settled()).toBe(false);

    const signalledAt = fixture.signal("SIGTERM");
    const response = await waiting.response;
    expect(response.status).toBe(200);
    expect(response.body).toBe("aborted");
    expect(response.at).toBeGreaterThan(signalledAt);
    expect(response.at - signalledAt).toBeLessThan(PROMPT_MS);
    expect((await fixture.exit).code).toBe(0);
  });

  it("takes the same SIGTERM delivered twice at once (a launcher and its process group) as one: nothing is forced", async () => {
    const fixture = await start(target);
    const slow = await inFlight(fixture, "/slow?ms=600");
    await barrier(fixture);

    fixture.signal("SIGTERM");
    // Once the first is handled (two signals pending at once would merge in the kernel), as a launcher forwards it.
    await fixture.waitForLine("PHASE drain");
    fixture.signal("SIGTERM");
    const response = await slow.response;
    expect(response.status).toBe(200);
    expect(response.body).toBe("slow-done");
    expect((await fixture.exit).code).toBe(0);
    expect(fixture.report()).toMatchObject({ escalated: false, clean: true, mode: "graceful" });
  });

  it("forces at once on a second SIGTERM during a drain blocked by /hang", async () => {
    const fixture = await start(target, { options: { progressEveryMs: 200 } });
    const hang = await inFlight(fixture, "/hang");
    const waiting = await inFlight(fixture, "/signal");
    await barrier(fixture);

    fixture.signal("SIGTERM");
    await waiting.response;
    // Insist once the drain has reported progress: the same signal within 100 ms of the first would be taken as
    // that one delivered twice (a launcher passing on its process group's signal), not as a second.
    await fixture.waitForLine("PROGRESS");
    expect(fixture.exited()).toBe(false);
    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.code).toBe(FORCED);
    expect(exit.msSinceLastSignal).toBeLessThan(PROMPT_MS);
    // The hanging request was cut, not answered.
    await rejection(hang.response);
    const report = fixture.report();
    expect(report.escalated).toBe(true);
    expect(report.clean).toBe(false);
  });

  it("exits with exit.forced when the deadline hits a hanging request", async () => {
    const timeoutMs = 1500;
    const fixture = await start(target, { options: { timeoutMs } });
    const hang = await inFlight(fixture, "/hang");
    await barrier(fixture);

    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.code).toBe(FORCED);
    expect(exit.msSinceSignal).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(exit.msSinceSignal).toBeLessThan(timeoutMs + PROMPT_MS);
    await rejection(hang.response);
    const ended = await hang.ended;
    expect(ended.at - exit.at).toBeLessThan(PROMPT_MS);
    expect(fixture.report().clean).toBe(false);
  });

  it("dies by the signal after POST /dispose, promptly, although the server is still open", async () => {
    const fixture = await start(target);
    const disposed = await fetchOnce(fixture.url, "/dispose", { http2, method: "POST" });
    expect(disposed.status).toBe(200);
    expect(disposed.body).toBe("disposed");
    // Still serving: only the signal listeners are gone.
    expect((await fetchOnce(fixture.url, "/", { http2 })).status).toBe(200);

    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.signal).toBe("SIGTERM");
    expect(exit.code).toBe(null);
    expect(exit.msSinceSignal).toBeLessThan(PROMPT_MS);
    expect(fixture.stdoutLines.some((line) => line.startsWith("REPORT "))).toBe(false);
  });

  it("POST /dispose during a shutdown ends it: the report comes, and the exit with exit.forced, long before the budget", async () => {
    const fixture = await start(target, { options: { notifyMs: 3000, timeoutMs: 20_000 } });
    const hang = await inFlight(fixture, "/hang");
    await barrier(fixture);
    fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify", 10_000);
    // Its own connection is forced with the rest, so its answer may never come.
    await fetchOnce(fixture.url, "/dispose", { http2, method: "POST" }).catch(() => undefined);
    const exit = await fixture.exit;
    expect(exit.code).toBe(FORCED);
    // Well inside the 3 s of notify: dispose() did not wait for the budget, or for anything.
    expect(exit.msSinceSignal).toBeLessThan(3000);
    await rejection(hang.response);
    expect(fixture.report()).toMatchObject({ clean: false, escalated: true, reason: "SIGTERM" });
  });
}
