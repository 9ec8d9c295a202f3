/**
 * `pnpm bench scale`: one drain instance per runtime holding 10k idle keep-alive connections (each served one
 * request), 2k SSE streams, 2k WebSockets and 200 requests in flight when SIGTERM arrives. Measured at the clients
 * (the idle ones in a process of their own, see idle-holder.ts):
 * when each class was closed, whether every SSE stream got its last `retry:` frame and a clean end, whether every
 * WebSocket got 1001, and how long after the slowest in-flight response the process exited; at the server: RSS
 * growth per connection of each class.
 *
 * Like with like, before that: the same number of idle connections and nothing else, closed by drain and by the
 * runtime's own stop (`native` instance) in alternating fresh processes. Drain's time from the signal to the last
 * FIN must stay within 1.2 × the runtime's, measured in the same run.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import WebSocket from "ws";
import { holdIdle, type IdleClients } from "./idle-clients.ts";
import { bodyEnds, openMany, rawGet, type RawConnection } from "./raw-client.ts";
import { machine, writeResults } from "./results.ts";
import { type Runtime, RUNTIMES, runtimeVersions } from "./runtimes.ts";
import { rssBytes, startServer, stopServer } from "./server-process.ts";
import { enoughRounds, type MedianInterval, medianInterval } from "./median-interval.ts";
import { costVerdict } from "./paired-cost.ts";
import { fmt, median, percentile, table, verdict } from "./table.ts";

export interface ScaleOptions {
  readonly idle: number;
  /**
   * Runs of the idle-only comparison per side (drain and the runtime's own stop, alternating): at least
   * `idleOnlyRuns`, then until the interval of the median ratio is narrower than `IDLE_ONLY_WIDTH`, at most
   * `idleOnlyMaxRuns`.
   */
  readonly idleOnlyRuns: number;
  readonly idleOnlyMaxRuns: number;
  readonly sse: number;
  readonly ws: number;
  readonly inflight: number;
  readonly runtimes: readonly Runtime[];
}

// At least fifteen idle-only pairs: the median of their ratios gets a 96.5 % interval from the 4th to the 12th, so
// two unlucky pairs at either end cannot decide the verdict (nine, the fewest with an interval narrower than the
// whole range, left it to the 2nd and 8th). Then more, up to 45, until that interval is narrower than
// `IDLE_ONLY_WIDTH`: a pair's ratio moves by about ±0.15 from run to run here (the kernel's cost of each close
// varies), which leaves 15 pairs an interval about 0.18 wide. One pair takes 4 to 6 s.
export const SCALE_DEFAULTS: ScaleOptions = { idle: 10_000, idleOnlyRuns: 15, idleOnlyMaxRuns: 45, sse: 2_000, ws: 2_000, inflight: 200, runtimes: RUNTIMES };

/**
 * notifyMs 0 and keepAliveGraceMs 0: this part measures how fast the mechanism closes things, not the waits a
 * deployment chooses (the rolling-restart part uses real ones). The deadline is far away so nothing is forced.
 */
/** One SSE event per stream per second: the streams are open, not a load test. */
const TICK_MS = 1_000;
const DRAIN_OPTIONS = { notifyMs: 0, keepAliveGraceMs: 0, timeoutMs: 20_000, wsCloseTimeoutMs: 5_000, sseRetryMs: [1_000, 1_000] };
/** In-flight requests finish between these many ms after they were sent (spread evenly). */
const SLOW_FROM_MS = 1_500;
const SLOW_TO_MS = 2_500;
/** Drain's last idle FIN, with only idle connections open, may take at most this × the runtime's own stop's. */
export const IDLE_ONLY_CEILING = 1.2;
/**
 * The idle-only pairs go on until the interval of their median ratio is narrower than this: half the room the
 * ceiling leaves above 1. The stop depends only on the interval's width, never on where it lies (as the overhead
 * part's `enoughRounds`).
 */
export const IDLE_ONLY_WIDTH = 0.1;

export interface ScaleResult {
  readonly runtime: Runtime;
  readonly idleFinP50Ms: number;
  readonly idleFinP100Ms: number;
  readonly idleClosed: number;
  /** Idle connections only, closed by drain and by the runtime's own stop: the last FIN of each run (ms). */
  readonly idleOnly: IdleOnlyResult;
  readonly sseDelivered: number;
  readonly sseEndP100Ms: number;
  readonly wsDelivered: number;
  readonly wsCloseP100Ms: number;
  readonly inflightCompleted: number;
  readonly slowestResponseMs: number;
  readonly exitMs: number;
  readonly exitAfterSlowestMs: number;
  readonly exitCode: number | null;
  readonly rssBaseMb: number;
  readonly bytesPerIdle: number;
  readonly bytesPerSse: number;
  readonly bytesPerWs: number;
}

interface WsClient {
  readonly socket: WebSocket;
  code: number | undefined;
  closedAt: number | undefined;
}

function openWs(url: string): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const client: WsClient = { socket, code: undefined, closedAt: undefined };
    socket.once("open", () => resolve(client));
    socket.once("error", reject);
    socket.once("close", (code) => {
      client.code = code;
      client.closedAt = performance.now();
    });
  });
}

async function openWsMany(url: string, count: number, batch: number): Promise<WsClient[]> {
  const all: WsClient[] = [];
  for (let done = 0; done < count; done += batch) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - done) }, () => openWs(url)))));
  }
  return all;
}

async function waitForInflight(url: string, count: number): Promise<void> {
  // Wait on the server's own count (drain's `counts().requests`, which includes this /stats request).
  for (;;) {
    const stats = (await (await fetch(`${url}/stats`)).json()) as { requests: number };
    if (stats.requests >= count + 1) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const sseDone = (text: string): boolean => text.endsWith("0\r\n\r\n");

export interface IdleOnlyResult {
  /** Per run, ms from SIGTERM to the last FIN (NaN when a connection got none), in run order. */
  readonly drainP100Ms: number[];
  readonly nativeP100Ms: number[];
  /** Per run, the share of connections that got a FIN. */
  readonly drainClosed: number[];
  readonly nativeClosed: number[];
  /** Per pair of runs, drain's last FIN ÷ the runtime's own stop's. */
  readonly ratios: number[];
  /** The median of `ratios`. */
  readonly ratio: number;
  /** The 95 % confidence interval of that median (distribution-free; see `medianInterval`). */
  readonly ratioInterval: MedianInterval;
  readonly verdict: "ok" | "MISSED" | "unclear";
}

/** FIN times (ms after SIGTERM) of `count` idle keep-alive connections, nothing else open, when `variant` stops. */
async function idleOnlyFins(runtime: Runtime, variant: "drain" | "native", count: number): Promise<{ fins: number[]; total: number }> {
  const server = await startServer({ runtime, name: "instance", variant, drainOptions: DRAIN_OPTIONS, tickMs: TICK_MS });
  const idle = await holdIdle(server.port, count);
  try {
    const t0 = performance.now();
    server.child.kill("SIGTERM");
    return await idle.fins(t0);
  } finally {
    idle.kill();
    server.child.kill("SIGKILL");
    await server.exited;
  }
}

/**
 * Drain and the runtime's own stop each close `count` idle connections in fresh processes, in the order native,
 * drain, drain, native, ... so that a drift in the machine's load hits both sides alike: `minRuns` times each, then
 * until the median ratio's interval is narrower than `IDLE_ONLY_WIDTH`, `maxRuns` at most.
 */
async function idleOnly(runtime: Runtime, count: number, minRuns: number, maxRuns: number): Promise<IdleOnlyResult> {
  const last = (r: { fins: number[]; total: number }): number => (r.fins.length === r.total && r.total > 0 ? percentile(r.fins, 100) : Number.NaN);
  const drain: { fins: number[]; total: number }[] = [];
  const native: { fins: number[]; total: number }[] = [];
  const pairRatios = (): number[] => drain.map((d, i) => last(d) / last(native[i] as { fins: number[]; total: number }));
  // A pair where a connection got no FIN counts as an infinite ratio: it widens the interval, it is never dropped.
  const counted = (ratios: number[]): number[] => ratios.map((r) => (Number.isNaN(r) ? Number.POSITIVE_INFINITY : r));
  for (let run = 0; !enoughRounds(counted(pairRatios()), minRuns, maxRuns, IDLE_ONLY_WIDTH); run += 1) {
    const order: ("drain" | "native")[] = run % 2 === 0 ? ["native", "drain"] : ["drain", "native"];
    for (const variant of order) (variant === "drain" ? drain : native).push(await idleOnlyFins(runtime, variant, count));
  }
  const drainP100Ms = drain.map(last);
  const nativeP100Ms = native.map(last);
  const ratios = pairRatios();
  const ratio = median(ratios);
  const ratioInterval = medianInterval(counted(ratios));
  return {
    drainP100Ms,
    nativeP100Ms,
    drainClosed: drain.map((r) => r.fins.length / r.total),
    nativeClosed: native.map((r) => r.fins.length / r.total),
    ratios,
    ratio,
    ratioInterval,
    verdict: idleOnlyVerdict(ratioInterval, drain.every((r) => r.fins.length === r.total)),
  };
}

/**
 * Met when every idle connection got drain's FIN and the whole interval of the median ratio is within the ceiling;
 * missed when a connection got no FIN or the whole interval is above it; `unclear` when the ceiling lies inside it
 * (the runs spread too much to tell: more `idleOnlyRuns` or a quieter machine narrow it).
 *
 * @example
 * ```ts
 * idleOnlyVerdict({ low: 0.8, high: 1.1 }, true); // "ok"
 * idleOnlyVerdict({ low: 0.9, high: 1.4 }, true); // "unclear"
 * ```
 */
export function idleOnlyVerdict(interval: Pick<MedianInterval, "low" | "high">, allClosed: boolean): "ok" | "MISSED" | "unclear" {
  if (!allClosed || Number.isNaN(interval.low)) return "MISSED";
  return costVerdict(interval, IDLE_ONLY_CEILING);
}

async function runRuntime(runtime: Runtime, options: ScaleOptions): Promise<ScaleResult> {
  const idleOnlyResult = await idleOnly(runtime, options.idle, options.idleOnlyRuns, options.idleOnlyMaxRuns);
  const server = await startServer({ runtime, name: "instance", variant: "drain", drainOptions: DRAIN_OPTIONS, tickMs: TICK_MS });
  const mb = (bytes: number): number => bytes / 1024 / 1024;
  let idle: IdleClients | undefined;
  try {
    // Warm the server up a little so the baseline RSS includes the code paths each class uses.
    await openMany(50, 50, () => rawGet(server.port, "/", bodyEnds("hello"))).then((cs) => cs.forEach((c) => c.socket.destroy()));
    const rss0 = rssBytes(server.pid);
    idle = await holdIdle(server.port, options.idle);
    const rss1 = rssBytes(server.pid);
    const sse = await openMany(options.sse, 250, () => rawGet(server.port, "/sse", (t) => t.includes("data: tick")));
    const rss2 = rssBytes(server.pid);
    const ws = await openWsMany(`ws://127.0.0.1:${server.port}/ws`, options.ws, 250);
    const rss3 = rssBytes(server.pid);
    const sentAt = performance.now();
    const slow: RawConnection[] = Array.from({ length: options.inflight }, (_, i) => {
      const ms = Math.round(SLOW_FROM_MS + ((SLOW_TO_MS - SLOW_FROM_MS) * i) / Math.max(1, options.inflight - 1));
      return rawGet(server.port, `/slow?ms=${ms}`, bodyEnds("slow-done"));
    });
    await waitForInflight(server.url, options.inflight);
    const t0 = performance.now();
    if (t0 - sentAt > SLOW_FROM_MS) throw new Error("the in-flight requests took too long to arrive; lower the load");
    const stopped = await stopServer(server, 30_000);
    // The process is gone; let the last FINs and close frames already in the socket buffers be read.
    await Promise.all([...sse, ...slow].map((c) => c.complete));
    const idleFins = await idle.fins(t0);
    await Promise.all(ws.map((c) => (c.closedAt !== undefined ? undefined : new Promise((r) => c.socket.once("close", r)))));

    const fins = idleFins.fins;
    const sseOk = sse.filter((c) => c.received.includes("retry:") && sseDone(c.received) && c.finAt !== undefined);
    const sseEnds = sse.filter((c) => c.finAt !== undefined).map((c) => (c.finAt as number) - t0);
    const wsOk = ws.filter((c) => c.code === 1001);
    const wsCloses = ws.filter((c) => c.closedAt !== undefined).map((c) => (c.closedAt as number) - t0);
    const slowDone = slow.filter((c) => c.completeAt !== undefined);
    const slowest = Math.max(...slowDone.map((c) => c.completeAt as number));
    return {
      runtime,
      idleFinP50Ms: fins.length > 0 ? percentile(fins, 50) : Number.NaN,
      idleFinP100Ms: fins.length > 0 ? percentile(fins, 100) : Number.NaN,
      idleClosed: fins.length / idleFins.total,
      idleOnly: idleOnlyResult,
      sseDelivered: sseOk.length / sse.length,
      sseEndP100Ms: sseEnds.length > 0 ? percentile(sseEnds, 100) : Number.NaN,
      wsDelivered: wsOk.length / ws.length,
      wsCloseP100Ms: wsCloses.length > 0 ? percentile(wsCloses, 100) : Number.NaN,
      inflightCompleted: slowDone.length / slow.length,
      slowestResponseMs: slowest - t0,
      exitMs: stopped.at - t0,
      exitAfterSlowestMs: stopped.at - slowest,
      exitCode: stopped.code,
      rssBaseMb: mb(rss0),
      bytesPerIdle: (rss1 - rss0) / options.idle,
      bytesPerSse: (rss2 - rss1) / options.sse,
      bytesPerWs: (rss3 - rss2) / options.ws,
    };
  } finally {
    idle?.kill();
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  }
}

const pct = (share: number): string => `${fmt(share * 100, 1)} %`;
const ms = (n: number): string => `${fmt(n)} ms`;

/** This process holds every client socket: fail early, with what to do, when its descriptor limit is too low. */
function checkDescriptorLimit(needed: number): void {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  const soft = match?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match?.[1] ?? Number.NaN);
  if (soft < needed) {
    throw new Error(`the scale part opens ${needed} client sockets but this process may open only ${soft} files: run \`ulimit -n ${needed + 1_000}\` (or more) in the shell first.`);
  }
}

/** Run the scale benchmark, print its table, write results/scale.json. */
export async function runScale(options: ScaleOptions = SCALE_DEFAULTS): Promise<ScaleResult[]> {
  checkDescriptorLimit(options.idle + options.sse + options.ws + options.inflight + 100);
  console.log(
    `\n## scale: idle only, ${fmt(options.idle)} idle keep-alive connections closed by drain and by the runtime's own stop, ` +
      `${options.idleOnlyRuns === options.idleOnlyMaxRuns ? options.idleOnlyRuns : `${options.idleOnlyRuns} to ${options.idleOnlyMaxRuns}`} alternating runs each (until the ratio's interval is narrower than ${IDLE_ONLY_WIDTH}); then mixed: ${fmt(options.idle)} idle keep-alive, ${fmt(options.sse)} SSE, ${fmt(options.ws)} WebSockets, ` +
      `${options.inflight} in flight (${SLOW_FROM_MS}-${SLOW_TO_MS} ms) at SIGTERM; times from SIGTERM, at the client (load average ${loadavg().map((l) => fmt(l, 2)).join(" ")})\n`,
  );
  const results: ScaleResult[] = [];
  for (const runtime of options.runtimes) results.push(await runRuntime(runtime, options));
  const rows: string[][] = [];
  for (const r of results) {
    /** `met`: whether the goal was met, or the verdict itself where the run may not tell (`unclear`). */
    const add = (figure: string, measured: string, goal = "", met?: boolean | string): void => {
      rows.push([r.runtime, figure, measured, goal, typeof met === "string" ? met : verdict(met)]);
    };
    const io = r.idleOnly;
    add(`idle only, last FIN: drain (median of ${io.drainP100Ms.length})`, `${ms(median(io.drainP100Ms))} [${io.drainP100Ms.map((v) => fmt(v)).join(", ")}] (${pct(Math.min(...io.drainClosed))})`);
    add(`idle only, last FIN: runtime's own stop`, `${ms(median(io.nativeP100Ms))} [${io.nativeP100Ms.map((v) => fmt(v)).join(", ")}]`);
    add(
      `idle only, drain ÷ own stop: median of pairs, ${fmt(io.ratioInterval.coverage * 100, 1)} % interval (every pair)`,
      `${fmt(io.ratio, 2)} [${fmt(io.ratioInterval.low, 2)}, ${fmt(io.ratioInterval.high, 2)}] (${io.ratios.map((v) => fmt(v, 2)).join(", ")})`,
      `<= ${IDLE_ONLY_CEILING}`,
      io.verdict,
    );
    add("mixed: idle closed (FIN), p50 / p100", `${ms(r.idleFinP50Ms)} / ${ms(r.idleFinP100Ms)} (${pct(r.idleClosed)})`, "<= 100 ms", r.idleClosed === 1 && r.idleFinP100Ms <= 100);
    add("SSE last frame + clean end", `${pct(r.sseDelivered)}, last at ${ms(r.sseEndP100Ms)}`, "100 %", r.sseDelivered === 1);
    add("WebSocket 1001", `${pct(r.wsDelivered)}, last at ${ms(r.wsCloseP100Ms)}`, "100 %", r.wsDelivered === 1);
    add("in flight completed", `${pct(r.inflightCompleted)}, slowest at ${ms(r.slowestResponseMs)}`, "100 %", r.inflightCompleted === 1);
    add("exit after slowest response", `${ms(r.exitAfterSlowestMs)} (exit code ${r.exitCode})`, "<= 100 ms", r.exitAfterSlowestMs <= 100);
    add("RSS per idle / SSE / WebSocket", `${fmt(r.bytesPerIdle / 1024, 1)} / ${fmt(r.bytesPerSse / 1024, 1)} / ${fmt(r.bytesPerWs / 1024, 1)} KiB (base ${fmt(r.rssBaseMb)} MiB)`);
  }
  console.log(table(["runtime", "figure", "measured", "goal", ""], rows));
  writeResults("scale", { at: new Date().toISOString(), machine: machine(), versions: runtimeVersions(), options, drainOptions: DRAIN_OPTIONS, results });
  return results;
}
