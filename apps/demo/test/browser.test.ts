/**
 * The demo in a real browser (Debian's Chromium, driven by playwright-core), on Node, Bun and Deno: a page with a live
 * SSE ticker and a WebSocket echo is handed over from one instance to a second one on the same port, the way a
 * restart does it. The page must lose no SSE id, see the shutdown frame and the 1001, and the first instance must exit
 * at once although Chromium holds spare and idle connections to it.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureDebianPackages } from "../../../tooling/vitest/debian.ts";
import { startInstance, type Instance, type Runtime } from "./instance.ts";
import { freePort } from "../../../tooling/vitest/free-port.ts";
import { clientConnections } from "./sockets.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
/** Far away, so that an exit within EXIT_WITHIN_MS shows that nothing was waited for until a deadline. */
const TIMEOUT_MS = 20_000;
const EXIT_WITHIN_MS = 3_000;
/** Fast ticks, so the test sees many ids in little time. */
const ENV = { TICK_MS: "200", TIMEOUT_MS: String(TIMEOUT_MS) };
const PAGE_WAIT_MS = 20_000;

/** `window.demo` on the page (see src/page.js). */
interface DemoState {
  ready: { status: number | null; text: string; pid: string | null };
  sse: {
    state: string;
    opens: number;
    ids: number[];
    pids: number[];
    gaps: number;
    resumes: { lastEventId: string; pid: number; firstId: number }[];
    drains: { data: string; afterId: number | null }[];
  };
  wire: { last: string; drain: string | null; retryMs: number | null };
  ws: { state: string; opens: number; echoes: number; pids: number[]; closes: { code: number; reason: string }[] };
}
declare const demo: DemoState;

beforeAll(() => {
  ensureDebianPackages({ [CHROMIUM]: "chromium" });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 600_000);

describe.each<Runtime>(["node", "bun", "deno"])("the demo on %s", (runtime) => {
  let profile: string;
  let context: BrowserContext;
  const instances: Instance[] = [];

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), "drain-demo-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.stop()));
  });

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it("hands the page to a second instance on the same port: no SSE id lost, WebSocket 1001, a fast exit", async () => {
    const port = await freePort();
    const a = startInstance(runtime, port, ENV);
    instances.push(a);
    await a.waitForLine(/listening on/);

    const page: Page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(
      () => demo.sse.ids.length >= 3 && demo.ws.echoes >= 1 && demo.wire.last.includes("id:") && demo.ready.status === 200,
      undefined,
      { timeout: PAGE_WAIT_MS },
    );
    // Page, EventSource, fetch stream and WebSocket, plus at least one connection Chromium keeps spare or idle.
    const connections = clientConnections(port);
    expect(connections).toBeGreaterThanOrEqual(5);

    const signalledAt = performance.now();
    process.kill(a.pid, "SIGTERM");
    await a.waitForLine(/listener closed/, EXIT_WITHIN_MS);
    const b = startInstance(runtime, port, ENV);
    instances.push(b);

    const exit = await a.exit;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(EXIT_WITHIN_MS);
    const report = a.output().match(/drain: stopped in .*/)?.[0];
    expect(report).toMatch(/, clean:/);
    // Only Node's adapter sees connections one by one; Bun and Deno close the spare one without counting it
    // (Bun: TCP_DEFER_ACCEPT hides it; Deno: shutdown() closes it inside the runtime).
    if (runtime === "node") expect(report).toMatch(/ [1-9]\d* never used/);
    console.info(`${runtime}: ${connections} browser connections at SIGTERM; A exited ${Math.round(exit.at - signalledAt)} ms after it; ${report}`);

    await b.waitForLine(/listening on/);
    // Every channel of the page is back, on B.
    await page.waitForFunction(
      (pid) =>
        demo.sse.pids.filter((p) => p === pid).length >= 2 && demo.ws.pids.at(-1) === pid &&
        demo.ws.echoes >= 2 && demo.ready.pid === String(pid) && demo.wire.last.includes(`"pid":${pid}`),
      b.pid,
      { timeout: PAGE_WAIT_MS },
    );
    const state = await page.evaluate(() => demo);
    await page.screenshot({ path: join(ARTIFACTS, `${runtime}.png`), fullPage: true });

    // SSE: A's stream ended with drain's last frame, after A's last id ...
    const lastFromA = state.sse.ids[state.sse.pids.lastIndexOf(a.pid)];
    expect(state.sse.drains.map((drain) => drain.afterId)).toContain(lastFromA);
    expect(state.wire.drain).toMatch(/^event: drain$/m);
    expect(state.wire.drain).toMatch(/^retry: \d+$/m);
    // ... and the page resumed on B with Last-Event-ID, continuing right after it, without a hole anywhere.
    const firstFromB = state.sse.pids.indexOf(b.pid);
    expect(state.sse.pids.slice(0, firstFromB).every((pid) => pid === a.pid)).toBe(true);
    expect(state.sse.resumes).toContainEqual({ lastEventId: String(lastFromA), pid: b.pid, firstId: (lastFromA as number) + 1 });
    const holes = state.sse.ids.slice(1).filter((id, i) => id !== (state.sse.ids[i] as number) + 1);
    expect(holes).toEqual([]);
    expect(state.sse.gaps).toBe(0);

    // WebSocket: A said 1001 Going Away; the page then opened a new one on B.
    expect(state.ws.closes[0]?.code).toBe(1001);
    expect(state.ws.opens).toBeGreaterThanOrEqual(2);
  });
});
