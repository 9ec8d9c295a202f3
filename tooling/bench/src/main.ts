/**
 * `pnpm bench`: how fast and how small the core is, next to the goals it was built for, and next to a baseline
 * measured in the same run (absolute figures depend on the machine; the ratios travel better).
 * Prints a table and writes `results/core.json`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, platform } from "node:os";
import { fileURLToPath } from "node:url";
import { type DrainResult, measureDrain } from "./drain.ts";
import { bytesPerConnection } from "./memory.ts";
import { measureBaseline, measureStep } from "./throughput.ts";

const LIVE = 10_000;
const EVENTS = 4_000_000;

interface Row {
  readonly figure: string;
  readonly measured: string;
  readonly goal: string;
  readonly met: boolean | undefined;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function drainCell(d: DrainResult): string {
  return `${fmt(d.minMs, 1)} ms fastest, ${fmt(d.ms, 1)} median (${d.steps} steps)`;
}

function table(rows: readonly Row[]): string {
  const head = ["figure", "measured", "goal", ""];
  const cells = rows.map((r) => [r.figure, r.measured, r.goal, r.met === undefined ? "" : r.met ? "ok" : "MISSED"]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: readonly string[]): string => c.map((v, i) => v.padEnd(widths[i] as number)).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

// Warm up both loops so the JIT has compiled them before anything is timed.
measureStep(LIVE, 400_000);
measureBaseline(LIVE, 400_000);

const core = measureStep(LIVE, EVENTS);
const baseline = measureBaseline(LIVE, EVENTS);
const memory10k = bytesPerConnection(10_000);
const memory100k = bytesPerConnection(100_000);
// Warm-up: the 10k drain takes a few milliseconds, so compilation tiers and GC would otherwise dominate it.
measureDrain(10_000, 5);
measureDrain(100_000, 1);
const drain10k = measureDrain(10_000, 15);
const drain100k = measureDrain(100_000, 7);
const drainRatio = drain100k.minMs / drain10k.minMs;

const rows: Row[] = [
  { figure: `step, events/s (${fmt(LIVE)} live connections)`, measured: fmt(core.eventsPerSecond), goal: ">= 2,000,000", met: core.eventsPerSecond >= 2_000_000 },
  { figure: "baseline: bare Map, events/s", measured: fmt(baseline.eventsPerSecond), goal: "", met: undefined },
  { figure: "step cost vs baseline", measured: `${fmt(baseline.eventsPerSecond / core.eventsPerSecond, 1)}x slower`, goal: "", met: undefined },
  { figure: "heap per connection at 10k", measured: `${fmt(memory10k)} B`, goal: "<= 200 B", met: memory10k <= 200 },
  { figure: "heap per connection at 100k", measured: `${fmt(memory100k)} B`, goal: "<= 200 B", met: memory100k <= 200 },
  { figure: "drain, shutdown to stopped, 10k", measured: drainCell(drain10k), goal: "", met: undefined },
  { figure: "drain, shutdown to stopped, 100k", measured: drainCell(drain100k), goal: "", met: undefined },
  // Linear means about 10; allow for cache effects at the larger size, but not for a quadratic term (100).
  { figure: "drain time ratio 100k / 10k (fastest)", measured: fmt(drainRatio, 1), goal: "near 10 (linear)", met: drainRatio <= 15 },
];

console.log(`@drain/core on Node ${process.versions.node}, ${platform()} ${arch()}, ${cpus()[0]?.model ?? "unknown CPU"}\n`);
console.log(table(rows));

const results = {
  runtime: { node: process.versions.node, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? "unknown" },
  at: new Date().toISOString(),
  throughput: {
    liveConnections: LIVE,
    core,
    baseline,
    slowdownVsBaseline: baseline.eventsPerSecond / core.eventsPerSecond,
    goalEventsPerSecond: 2_000_000,
  },
  memory: { bytesPerConnection10k: memory10k, bytesPerConnection100k: memory100k, goalBytes: 200 },
  drain: { n10k: drain10k, n100k: drain100k, ratio: drainRatio, goalRatio: 10 },
};
const dir = fileURLToPath(new URL("../results/", import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}core.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log("\nwrote results/core.json");
