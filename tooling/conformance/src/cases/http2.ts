/**
 * HTTP/2 sessions: GOAWAY at the drain for idle and never-used sessions, streams in flight still complete.
 */
import { expect, it } from "vitest";
import { openH2, type H2Session } from "../clients.ts";
import type { Target } from "../targets.ts";
import { later, PROMPT_MS, start } from "./_support.ts";

async function session(url: string): Promise<H2Session> {
  const opened = await openH2(url);
  later(() => opened.destroy());
  return opened;
}

export function http2Cases(target: Target): void {
  it("sends GOAWAY to idle and never-used sessions at the drain and closes them, and exits promptly", async () => {
    const fixture = await start(target);
    const never = await session(fixture.url);
    const idle = await session(fixture.url);
    expect((await idle.request("/")).status).toBe(200);

    const signalledAt = fixture.signal("SIGTERM");
    for (const s of [idle, never]) {
      const goaway = await s.goaway;
      expect(goaway.errorCode).toBe(0);
      expect(goaway.at - signalledAt).toBeLessThan(PROMPT_MS);
      expect((await s.closed) - signalledAt).toBeLessThan(PROMPT_MS);
    }
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.msSinceSignal).toBeLessThan(PROMPT_MS);
    expect(fixture.report().clean).toBe(true);
  });

  it("completes a stream in flight after GOAWAY, then closes its session, and exits right after", async () => {
    const fixture = await start(target);
    const busy = await session(fixture.url);
    const sentAt = performance.now();
    const slow = busy.request("/slow?ms=1500");
    // Barrier on the same session: streams are read in order.
    expect((await busy.request("/live")).status).toBe(200);

    fixture.signal("SIGTERM");
    const goaway = await busy.goaway;
    expect(goaway.errorCode).toBe(0);
    const response = await slow;
    expect(goaway.at).toBeLessThan(response.at);
    expect(response.status).toBe(200);
    expect(response.body).toBe("slow-done");
    expect(response.at - sentAt).toBeGreaterThanOrEqual(1400);
    expect((await busy.closed) - response.at).toBeLessThan(PROMPT_MS);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.at - response.at).toBeLessThan(PROMPT_MS);
  });
}
