/**
 * `pnpm bench rolling`: HAProxy in front of two instances of one runtime, under continuous load (`load.ts`);
 * each instance in turn gets SIGTERM, is waited for (SIGKILL after `killAfterMs`, as a supervisor would), started
 * again on the same port, and waited for until HAProxy sees it UP. Done with drain instances whose notify is a
 * fixed delay (`drain`), with drain instances whose notify is adaptive (`adaptive`: the drain starts once traffic
 * has gone quiet, which is soon after HAProxy marks the instance down), and with `native` ones (the runtime's own
 * stop) as the baseline.
 */
import { freePort } from "../../vitest/free-port.ts";
import { type Backend, type Haproxy, startHaproxy } from "./haproxy.ts";
import { type Load, type LoadCounts, startLoad } from "./load.ts";
import { machine, writeResults } from "./results.ts";
import { type Runtime, RUNTIMES, runtimeVersions } from "./runtimes.ts";
import { type ServerProcess, startServer, stopServer } from "./server-process.ts";
import { fmt, median, table, verdict } from "./table.ts";

export type Mode = "drain" | "adaptive" | "native";

export interface RollingOptions {
  readonly runtime: Runtime;
  readonly mode: Mode;
  /** Restarts of each of the two instances. */
  readonly restartsPerInstance: number;
  /** Load before the first and after the last restart. */
  readonly settleMs: number;
  readonly requestsPerSecond: number;
  readonly sseClients: number;
  readonly wsClients: number;
  /** SIGKILL this long after SIGTERM if the instance has not exited (the supervisor's grace). */
  readonly killAfterMs: number;
}

/**
 * Drain's timings for the rolling restart: readiness fails for `notifyMs` while the instance keeps serving, which
 * must be longer than HAProxy needs to mark it down (2 checks 100 ms apart: ≤ ~300 ms, see haproxy.ts). Short
 * SSE retries keep the benchmark short; the deadline is under the supervisor's grace.
 */
export const ROLLING_DRAIN_OPTIONS: Record<string, unknown> = { notifyMs: 1_000, timeoutMs: 5_000, wsCloseTimeoutMs: 1_000, sseRetryMs: [100, 300] };

/**
 * The same with an adaptive notify: no fixed guess of HAProxy's delay. The load sends a request every few ms
 * until HAProxy marks the instance down, then none; HAProxy's checks keep coming, but they are probes, not
 * traffic. So notify ends `quietMs` after the last request HAProxy sent, and `minMs` only covers an instance
 * that gets no traffic at all (two failed checks, as above). `maxMs` is the fixed run's delay, times three.
 */
export const ROLLING_ADAPTIVE_OPTIONS: Record<string, unknown> = { ...ROLLING_DRAIN_OPTIONS, notifyMs: { minMs: 300, quietMs: 300, maxMs: 3_000 } };

/** What an instance's report said about its notify (drain instances print it; see `servers/_args.ts`). */
export interface NotifyOutcome {
  readonly endedBy: string;
  readonly durationMs: number;
  /** This restart's ms from SIGTERM until HAProxy reported the instance DOWN. */
  readonly downAfterMs: number;
}

export interface RollingResult {
  readonly runtime: Runtime;
  readonly mode: Mode;
  readonly restarts: number;
  readonly killed: number;
  readonly exitCodes: string[];
  /** Per restart, ms from SIGTERM until HAProxy's runtime API reported the instance DOWN. */
  readonly downAfterMs: number[];
  /** Per restart, ms from SIGTERM until the instance exited. */
  readonly exitAfterMs: number[];
  /** Per restart of a drain instance, how its notify ended (from its report). */
  readonly notify: NotifyOutcome[];
  readonly seconds: number;
  readonly counts: LoadCounts;
}

async function startInstance(runtime: Runtime, mode: Mode, port: number): Promise<ServerProcess> {
  const drainOptions = mode === "adaptive" ? ROLLING_ADAPTIVE_OPTIONS : ROLLING_DRAIN_OPTIONS;
  return startServer({ runtime, name: "instance", variant: mode === "native" ? "native" : "drain", port, drainOptions });
}

/** The notify part of the `REPORT` line an instance printed before it exited. */
function notifyOf(instance: ServerProcess, downAfterMs: number): NotifyOutcome {
  const line = instance.stdout().split("\n").find((l) => l.startsWith("REPORT "));
  if (line === undefined) throw new Error(`the instance printed no REPORT line: ${instance.stderr()}`);
  const notify = (JSON.parse(line.slice("REPORT ".length)) as { notify?: NotifyOutcome }).notify;
  if (notify === undefined) throw new Error(`the instance's report has no notify: ${line}`);
  return { endedBy: notify.endedBy, durationMs: notify.durationMs, downAfterMs };
}

/** One rolling-restart run: two instances, HAProxy, load, restarts; everything it started is stopped after. */
export async function rollingRestart(options: RollingOptions): Promise<RollingResult> {
  const ports = [await freePort(), await freePort()];
  const names = ["a", "b"];
  const instances: ServerProcess[] = [];
  let haproxy: Haproxy | undefined;
  let load: Load | undefined;
  const started = performance.now();
  try {
    for (const port of ports) instances.push(await startInstance(options.runtime, options.mode, port));
    const backends: Backend[] = names.map((name, i) => ({ name, port: ports[i] as number }));
    haproxy = await startHaproxy(backends);
    for (const name of names) await haproxy.waitFor(name, "UP", 10_000);

    load = startLoad({
      port: haproxy.port,
      requestsPerSecond: options.requestsPerSecond,
      httpConnections: 8,
      sseClients: options.sseClients,
      wsClients: options.wsClients,
      reconnectMs: 200,
    });
    await new Promise((resolve) => setTimeout(resolve, options.settleMs)); // load pacing, not synchronisation
    let killed = 0;
    const exitCodes: string[] = [];
    const downAfterMs: number[] = [];
    const exitAfterMs: number[] = [];
    const notify: NotifyOutcome[] = [];
    for (let round = 0; round < options.restartsPerInstance; round += 1) {
      for (let i = 0; i < instances.length; i += 1) {
        const signalled = performance.now();
        const down = haproxy.waitFor(names[i] as string, "DOWN", 10_000).then(() => performance.now() - signalled);
        const exit = await stopServer(instances[i] as ServerProcess, options.killAfterMs);
        exitAfterMs.push(exit.at - signalled);
        const downAfter = await down;
        downAfterMs.push(downAfter);
        if (options.mode !== "native" && !exit.killed) notify.push(notifyOf(instances[i] as ServerProcess, downAfter));
        if (exit.killed) killed += 1;
        exitCodes.push(exit.signal ?? String(exit.code));
        instances[i] = await startInstance(options.runtime, options.mode, ports[i] as number);
        await haproxy.waitFor(names[i] as string, "UP", 10_000);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    const counts = await load.stop();
    load = undefined;
    return {
      runtime: options.runtime,
      mode: options.mode,
      restarts: options.restartsPerInstance * instances.length,
      killed,
      exitCodes,
      downAfterMs,
      exitAfterMs,
      notify,
      seconds: (performance.now() - started) / 1000,
      counts,
    };
  } finally {
    await load?.stop(); // only when something above threw
    await haproxy?.stop();
    for (const instance of instances) {
      if (instance.child.exitCode === null && instance.child.signalCode === null) {
        instance.child.kill("SIGKILL");
        await instance.exited;
      }
    }
  }
}

export const ROLLING_DEFAULTS: Omit<RollingOptions, "runtime" | "mode"> = {
  restartsPerInstance: 3,
  settleMs: 1_000,
  requestsPerSecond: 200,
  sseClients: 20,
  wsClients: 20,
  killAfterMs: 6_000,
};

/** The table row for one run. */
export function rollingRow(r: RollingResult): string[] {
  const c = r.counts;
  const goal = r.mode !== "native" ? c.failedRequests === 0 && c.sse.gaps === 0 && c.wsClosesWithout1001 === 0 : undefined;
  const list = (map: Record<string, number>): string => Object.entries(map).map(([k, v]) => `${k} x${v}`).join(", ");
  const reasons = list(c.failureReasons);
  const sseReasons = list(c.sse.failureReasons);
  return [
    r.runtime,
    r.mode,
    `${r.restarts} (${r.killed} killed)`,
    `${fmt(Math.max(...r.downAfterMs))} ms`,
    `${fmt(median(r.exitAfterMs))} / ${fmt(Math.max(...r.exitAfterMs))} ms`,
    notifyCell(r),
    `${c.failedRequests} / ${fmt(c.requests)}${reasons ? ` (${reasons})` : ""}`,
    `${c.sse.gaps} (${c.sse.missed} missed, ${c.sse.duplicates} dup, ${c.sse.failures} fail${sseReasons ? `: ${sseReasons}` : ""})`,
    `${c.wsClosesWithout1001} / ${c.wsCloses}${c.wsConnectFailures ? ` (+${c.wsConnectFailures} refused)` : ""}`,
    r.mode !== "native" ? "0, 0, 0" : "",
    verdict(goal),
  ];
}

/** `quiet x4, 0.6 s max; drain 0.3 s after DOWN`: what ended notify, and how long after HAProxy's DOWN the drain began. */
function notifyCell(r: RollingResult): string {
  if (r.notify.length === 0) return "";
  const ends: Record<string, number> = {};
  for (const n of r.notify) ends[n.endedBy] = (ends[n.endedBy] ?? 0) + 1;
  return `${Object.entries(ends).map(([k, v]) => `${k} x${v}`).join(", ")}; drain ${fmt(median(drainAfterDown(r)))} ms after DOWN (median)`;
}

/** For each restart, ms between HAProxy's DOWN and the start of the drain (negative: the drain began first). */
export function drainAfterDown(r: RollingResult): number[] {
  return r.notify.map((n) => n.durationMs - n.downAfterMs);
}

export const ROLLING_HEAD: readonly string[] = ["runtime", "instances", "restarts", "down after (max)", "signal to exit (median / max)", "notify", "failed HTTP", "SSE gaps", "WS closes w/o 1001", "goal", ""];

/** Run drain and native per runtime, print the table, write results/rolling.json. */
export async function runRolling(defaults: Omit<RollingOptions, "runtime" | "mode"> = ROLLING_DEFAULTS, runtimes: readonly Runtime[] = RUNTIMES): Promise<RollingResult[]> {
  console.log(
    `\n## rolling: HAProxy + 2 instances, ${defaults.restartsPerInstance} restarts each, ${defaults.requestsPerSecond} req/s, ` +
      `${defaults.sseClients} SSE + ${defaults.wsClients} WebSocket clients; SIGKILL ${defaults.killAfterMs} ms after SIGTERM\n`,
  );
  const results: RollingResult[] = [];
  for (const runtime of runtimes) {
    for (const mode of ["drain", "adaptive", "native"] as const) results.push(await rollingRestart({ ...defaults, runtime, mode }));
  }
  console.log(table(ROLLING_HEAD, results.map(rollingRow)));
  writeResults("rolling", { at: new Date().toISOString(), machine: machine(), versions: runtimeVersions(), options: defaults, drainOptions: ROLLING_DRAIN_OPTIONS, adaptiveOptions: ROLLING_ADAPTIVE_OPTIONS, results });
  return results;
}
