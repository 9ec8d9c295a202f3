/**
 * Readiness at start-up: with `startReady: false` readiness answers 503 until the app calls `ready()` (the
 * fixture's `POST /ready-now`), liveness answers 200 all along, and a shutdown that comes before `ready()` drains
 * like any other. Protocol-neutral: runs on every target, in its own protocol.
 */
import { expect, it } from "vitest";
import { fetchOnce } from "../clients.ts";
import type { Target } from "../targets.ts";
import { barrier, inFlight, start } from "./_support.ts";

export function startupCases(target: Target): void {
  const http2 = target.http2;

  it("with startReady false, /ready answers 503 until ready() and 200 after; /live answers 200 throughout", async () => {
    const fixture = await start(target, { options: { startReady: false } });
    const starting = await fetchOnce(fixture.url, "/ready", { http2 });
    expect(starting.status).toBe(503);
    expect(starting.body).toMatch(/starting/);
    expect((await fetchOnce(fixture.url, "/live", { http2 })).status).toBe(200);
    // Everything else is served while starting: readiness only tells the balancer not to send yet.
    expect((await fetchOnce(fixture.url, "/", { http2 })).status).toBe(200);

    const said = await fetchOnce(fixture.url, "/ready-now", { http2, method: "POST" });
    expect(said.status).toBe(200);
    expect((await fetchOnce(fixture.url, "/ready", { http2 })).status).toBe(200);
    expect((await fetchOnce(fixture.url, "/live", { http2 })).status).toBe(200);

    fixture.signal("SIGTERM");
    expect((await fixture.exit).code).toBe(0);
    expect(fixture.report().clean).toBe(true);
  });

  it("a SIGTERM before ready() drains normally (the request in flight completes, exit 0, clean), and a later ready() keeps /ready at 503", async () => {
    const fixture = await start(target, { options: { startReady: false, notifyMs: 1000 } });
    const slow = await inFlight(fixture, "/slow?ms=700");
    await barrier(fixture);

    fixture.signal("SIGTERM");
    await fixture.waitForLine("PHASE notify");
    expect((await fetchOnce(fixture.url, "/ready-now", { http2, method: "POST" })).status).toBe(200);
    const ready = await fetchOnce(fixture.url, "/ready", { http2 });
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(/shutting down/);
    expect((await fetchOnce(fixture.url, "/live", { http2 })).status).toBe(200);

    const response = await slow.response;
    expect(response.status).toBe(200);
    expect(response.body).toBe("slow-done");
    expect((await fixture.exit).code).toBe(0);
    expect(fixture.report()).toMatchObject({ clean: true, escalated: false, reason: "SIGTERM" });
  });
}
