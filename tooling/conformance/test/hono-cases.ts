/**
 * What `@drain/hono` adds on top of the shared contract, checked through real sockets on each Hono target:
 * a WebSocket upgrade during the shutdown is refused with 503 and `Retry-After`, while ordinary requests are
 * still served (with `Connection: close`). Registered by the `hono-*.test.ts` files next to `defineConformance`.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { start, later } from "../src/cases/_support.ts";
import { connect, isConnectionClose } from "../src/clients.ts";
import type { Target } from "../src/targets.ts";

/** What one Hono target measurably cannot do, with the reason. */
export interface HonoGaps {
  /** The refused upgrade reaches the client without the response's own headers. */
  readonly upgradeResponseHeaders?: string;
}

export function honoCases(target: Target, gaps: HonoGaps = {}): void {
  describe(`${target.name}: @drain/hono`, () => {
    it("answers a WebSocket upgrade during notify with 503 and Retry-After, and still serves ordinary requests", async () => {
      const fixture = await start(target, { options: { notifyMs: 1500 } });
      fixture.signal("SIGTERM");
      await fixture.waitForLine("PHASE notify");

      const upgrade = await connect(fixture.url);
      later(() => upgrade.destroy());
      const refused = await upgrade.request("/ws", {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": randomBytes(16).toString("base64"),
          "sec-websocket-version": "13",
        },
      });
      expect(refused.status).toBe(503);
      expect(isConnectionClose(refused.headers)).toBe(true);
      // Gap (see HonoGaps): the adapter writes its own bare status line for a refused upgrade.
      if (gaps.upgradeResponseHeaders === undefined) expect(refused.headers["retry-after"]).toBe("1");
      else expect(refused.headers["retry-after"]).toBeUndefined();

      const plain = await connect(fixture.url);
      later(() => plain.destroy());
      const root = await plain.request("/");
      expect(root.status).toBe(200);
      expect(root.body).toBe("ok");
      expect(isConnectionClose(root.headers)).toBe(true);
      expect((await fixture.exit).code).toBe(0);
    });
  });
}
