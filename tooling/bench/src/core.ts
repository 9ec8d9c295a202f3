/**
 * `pnpm bench core`: how fast and how small @drain/core is, next to the goals it was built for, and next to a
 * baseline measured in the same run. Prints a table and writes `results/core.json`.
 */
import { type DrainResult, measureDrain } from "./drain.ts";
import { bytesPerConnection } from "./memory.ts";
import { machine, writeResults } from "./results.ts";
import { fmt, table, verdict } from "./table.ts";
import { measureBaseline, measureStep } from "./throughput.ts";

const LIVE = 10_000;
const EVENTS = 4_000_000;

function drainCell(d: DrainResult): string {
  return `${fmt(d.minMs, 1)} ms fastest, ${fmt(d.ms, 1)} median (${d.steps} steps)`;
}

/** Run the core benchmark, print its table, write results/core.json. */
export function runCore(): void {
  // The drain first, on a fresh heap: after the throughput and memory parts have grown the heap, collections
  // land inside the 100k drain and the ratio swung between 12 and 25 (measured), while alone it is 6 to 9.
  // Warm-up: the 10k drain takes a few milliseconds, so compilation tiers and GC would otherwise dominate it.
  measureDrain(10_000, 5);
  measureDrain(100_000, 1);
  const drain10k = measureDrain(10_000, 15);
  const drain100k = measureDrain(100_000, 7);
  const drainRatio = drain100k.minMs / drain10k.minMs;

  // Warm up both loops so the JIT has compiled them before anything is timed.
  measureStep(LIVE, 400_000);
  measureBaseline(LIVE, 400_000);

  const core = measureStep(LIVE, EVENTS);
  const baseline = measureBaseline(LIVE, EVENTS);
  const memory10k = bytesPerConnection(10_000);
  const memory100k = bytesPerConnection(100_000);

  const rows: [string, string, string, boolean | undefined][] = [
    [`step, events/s (${fmt(LIVE)} live connections)`, fmt(core.eventsPerSecond), ">= 2,000,000", core.eventsPerSecond >= 2_000_000],
    ["baseline: bare Map, events/s", fmt(baseline.eventsPerSecond), "", undefined],
    ["step cost vs baseline", `${fmt(baseline.eventsPerSecond / core.eventsPerSecond, 1)}x slower`, "", undefined],
    ["heap per connection at 10k", `${fmt(memory10k)} B`, "<= 200 B", memory10k <= 200],
    ["heap per connection at 100k", `${fmt(memory100k)} B`, "<= 200 B", memory100k <= 200],
    ["drain, shutdown to stopped, 10k", drainCell(drain10k), "", undefined],
    ["drain, shutdown to stopped, 100k", drainCell(drain100k), "", undefined],
    // Linear means about 10; allow for cache effects at the larger size, but not for a quadratic term (100).
    ["drain time ratio 100k / 10k (fastest)", fmt(drainRatio, 1), "near 10 (linear)", drainRatio <= 15],
  ];

  console.log(`\n## core: @drain/core on Node ${process.versions.node}\n`);
  console.log(table(["figure", "measured", "goal", ""], rows.map(([a, b, c, met]) => [a, b, c, verdict(met)])));

  writeResults("core", {
    runtime: { node: process.versions.node, ...machine() },
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
  });
}
