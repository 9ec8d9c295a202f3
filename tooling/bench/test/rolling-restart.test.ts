/**
 * A small rolling restart behind HAProxy per runtime (the large one is `pnpm bench rolling`): two drain instances,
 * each restarted twice under keep-alive HTTP, resuming SSE and reconnecting WebSocket load. Nothing the user sees
 * may fail. The same harness run against Node's own `server.close()` must count WebSocket closes without 1001,
 * which shows the counters can see a failure.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDebianPackages } from "../../vitest/debian.ts";
import { HAPROXY } from "../src/haproxy.ts";
import { drainAfterDown, ROLLING_ADAPTIVE_OPTIONS, rollingRestart, type RollingOptions, type RollingResult } from "../src/rolling.ts";
import type { Runtime } from "../src/runtimes.ts";

const SMALL: Omit<RollingOptions, "runtime" | "mode"> = {
  restartsPerInstance: 2,
  settleMs: 500,
  requestsPerSecond: 100,
  sseClients: 8,
  wsClients: 8,
  killAfterMs: 4_000,
};

beforeAll(() => ensureDebianPackages({ [HAPROXY]: "haproxy" }), 600_000);

/** Nothing the user sees failed, and the load really ran and the instances really restarted (so zeros mean something). */
function expectNothingLost(result: RollingResult): void {
  const c = result.counts;
  expect(result.exitCodes).toEqual(["0", "0", "0", "0"]);
  expect(c.requests).toBeGreaterThan(100);
  expect(c.sse.farewells).toBeGreaterThan(0);
  expect(c.wsCloses).toBeGreaterThan(0);
  expect({ failedRequests: c.failedRequests, reasons: c.failureReasons }).toEqual({ failedRequests: 0, reasons: {} });
  expect({ gaps: c.sse.gaps, duplicates: c.sse.duplicates, failures: c.sse.failures }).toEqual({ gaps: 0, duplicates: 0, failures: 0 });
  expect({ without1001: c.wsClosesWithout1001, codes: c.wsOtherCodes, refused: c.wsConnectFailures }).toEqual({ without1001: 0, codes: {}, refused: 0 });
}

describe("rolling restart behind HAProxy", () => {
  for (const runtime of ["node", "bun", "deno"] as const satisfies readonly Runtime[]) {
    it(`${runtime} with drain: no failed request, no SSE gap, every WebSocket closed with 1001`, async () => {
      const result = await rollingRestart({ ...SMALL, runtime, mode: "drain" });
      expectNothingLost(result);
      expect(result.notify.map((n) => n.endedBy)).toEqual(["fixed", "fixed", "fixed", "fixed"]);
    });

    it(`${runtime} with adaptive notify: each drain starts once HAProxy has marked the instance down and traffic went quiet, and still nothing is lost`, async () => {
      const result = await rollingRestart({ ...SMALL, runtime, mode: "adaptive" });
      expectNothingLost(result);
      // Ended by a quiet window, not by maxMs: HAProxy's checks, still coming every 100 ms, were not taken for traffic.
      expect(result.notify.map((n) => n.endedBy)).toEqual(["quiet", "quiet", "quiet", "quiet"]);
      const { quietMs } = ROLLING_ADAPTIVE_OPTIONS["notifyMs"] as { quietMs: number };
      for (const after of drainAfterDown(result)) {
        // Not before HAProxy marked it down (less the 20 ms polling of its runtime API), and soon after: within a
        // quiet window plus a generous allowance for a busy machine.
        expect(after).toBeGreaterThan(-50);
        expect(after).toBeLessThan(quietMs + 1_000);
      }
    });
  }

  it("node's own server.close() as the baseline: the same counters see WebSockets cut without 1001", async () => {
    const result = await rollingRestart({ ...SMALL, restartsPerInstance: 1, runtime: "node", mode: "native" });
    // server.close() waits for the WebSockets and SSE streams forever, so the supervisor's SIGKILL ends it.
    expect(result.killed).toBe(2);
    expect(result.counts.wsClosesWithout1001).toBeGreaterThan(0);
  });
});
