/**
 * Adaptive notify (`notifyMs: { minMs, quietMs, maxMs }`): readiness fails and everything is served until no new
 * connection or request has arrived for `quietMs`, held to [`minMs`, `maxMs`]. A prober polls `/ready` throughout,
 * as a balancer keeps polling a server it has marked down: those polls must not count as traffic, or no quiet
 * window would ever pass. Protocol-neutral: every target, in its own protocol.
 */
import { expect, it } from "vitest";
import { fetchOnce } from "../clients.ts";
import type { Fixture } from "../harness.ts";
import type { Target } from "../targets.ts";
import { PROMPT_MS, start } from "./_support.ts";

/** How often the prober and the client send (a balancer's check interval, a client's request rate). */
const EVERY_MS = 100;

function pause(ms: number): Promise<void> {
  // Load pacing (one request per interval), not synchronisation: every wait for an event uses the event.
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `/ready` on a new connection every 100 ms until the drain starts; every answer must be a 503. Returns the
 * statuses seen, so a case can show that the poller really ran during notify.
 */
function pollReadiness(fixture: Fixture, http2: boolean): { readonly statuses: number[]; readonly done: Promise<void> } {
  const statuses: number[] = [];
  const drainStarted = (): boolean => fixture.stdoutLines.some((line) => line === "PHASE drain" || line === "PHASE force");
  const done = (async (): Promise<void> => {
    while (!drainStarted() && !fixture.exited()) {
      const sentInNotify = !drainStarted();
      try {
        const ready = await fetchOnce(fixture.url, "/ready", { http2 });
        // A poll sent during notify is answered 503; once the drain starts the listener may refuse it instead.
        if (sentInNotify) statuses.push(ready.status);
      } catch (error) {
        if (!drainStarted()) throw error;
      }
      await pause(EVERY_MS);
    }
  })();
  return { statuses, done };
}

export function notifyCases(target: Target): void {
  // HTTP/2 where the target serves only HTTP/2 (h2c); HTTP/1.1 elsewhere, new connection each time.
  const http2 = target.http2 && !target.http1;

  it("adaptive notify, no traffic: the drain starts at minMs, though readiness is polled every 100 ms (503 throughout)", async () => {
    const notify = { minMs: 800, quietMs: 400, maxMs: 4_000 };
    const fixture = await start(target, { options: { notifyMs: notify } });
    const signalledAt = fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify");
    const prober = pollReadiness(fixture, http2);
    await fixture.waitForLine("PHASE drain", 10_000);
    await prober.done;
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    // The prober ran all through notify, and readiness failed every time.
    expect(prober.statuses.length).toBeGreaterThanOrEqual(3);
    expect(prober.statuses.every((status) => status === 503)).toBe(true);
    const report = fixture.report();
    expect(report.notify).toMatchObject({ kind: "adaptive", endedBy: "min", lastArrivalAt: null });
    expect(report.notify?.probes).toBeGreaterThanOrEqual(3);
    // At minMs, not at maxMs: the polls were not taken for traffic.
    expect(report.notify?.durationMs).toBeGreaterThanOrEqual(notify.minMs);
    expect(report.notify?.durationMs).toBeLessThan(notify.minMs + PROMPT_MS);
    expect(exit.msSinceSignal).toBeLessThan(notify.minMs + 2 * PROMPT_MS);
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(notify.minMs - 20);
  });

  it("adaptive notify, a client sending every 100 ms: the drain waits until it stops, then one quiet window", async () => {
    const notify = { minMs: 300, quietMs: 700, maxMs: 8_000 };
    const fixture = await start(target, { options: { notifyMs: notify, timeoutMs: 10_000 } });
    fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify");
    const prober = pollReadiness(fixture, http2);
    // Well past minMs and several quiet windows' worth of 100 ms gaps: traffic alone keeps notify going.
    const trafficUntil = performance.now() + 2_000;
    let served = 0;
    while (performance.now() < trafficUntil) {
      const root = await fetchOnce(fixture.url, "/", { http2 });
      expect(root.status).toBe(200);
      served += 1;
      // Not while the client keeps coming within the quiet window.
      expect(fixture.stdoutLines).not.toContain("PHASE drain");
      await pause(EVERY_MS);
    }
    const stoppedAt = performance.now();
    await fixture.waitForLine("PHASE drain", 10_000);
    const drainSeenAt = performance.now();
    await prober.done;
    expect((await fixture.exit).code).toBe(0);
    expect(served).toBeGreaterThanOrEqual(5);
    expect(prober.statuses.every((status) => status === 503)).toBe(true);
    // Seen well after the client stopped: about a quiet window less its last pause (halved: a busy machine).
    expect(drainSeenAt - stoppedAt).toBeGreaterThanOrEqual((notify.quietMs - EVERY_MS) / 2);
    const n = fixture.report().notify;
    expect(n).toMatchObject({ kind: "adaptive", endedBy: "quiet" });
    if (n === undefined || n.lastArrivalAt === null) throw new Error("the report has no notify, or no last arrival");
    // The last arrival is the client's last request, about 2 s in; the drain started a quiet window after it.
    const lastIn = n.lastArrivalAt - n.startedAt;
    expect(lastIn).toBeGreaterThanOrEqual(1_500);
    expect(n.durationMs - lastIn).toBeGreaterThanOrEqual(notify.quietMs);
    expect(n.durationMs - lastIn).toBeLessThan(notify.quietMs + PROMPT_MS);
  });

  it("adaptive notify, a client that never stops: the drain starts at maxMs", async () => {
    const notify = { minMs: 300, quietMs: 700, maxMs: 2_000 };
    const fixture = await start(target, { options: { notifyMs: notify } });
    fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify");
    const prober = pollReadiness(fixture, http2);
    let served = 0;
    while (!fixture.stdoutLines.includes("PHASE drain") && !fixture.exited()) {
      try {
        const root = await fetchOnce(fixture.url, "/", { http2 });
        expect(root.status).toBe(200);
        served += 1;
      } catch (error) {
        // Only once the drain has started may the listener refuse the client.
        if (!fixture.stdoutLines.includes("PHASE drain")) throw error;
      }
      await pause(EVERY_MS);
    }
    await prober.done;
    expect((await fixture.exit).code).toBe(0);
    expect(served).toBeGreaterThanOrEqual(5);
    expect(prober.statuses.every((status) => status === 503)).toBe(true);
    const n = fixture.report().notify;
    expect(n).toMatchObject({ kind: "adaptive", endedBy: "max" });
    expect(n?.durationMs).toBeGreaterThanOrEqual(notify.maxMs);
    expect(n?.durationMs).toBeLessThan(notify.maxMs + PROMPT_MS);
  });
}
