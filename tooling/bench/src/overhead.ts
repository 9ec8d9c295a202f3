/**
 * `pnpm bench overhead`: what attaching drain costs a keep-alive hello world, per runtime (and http-terminator
 * and stoppable on Node, and Deno's bare completion hook, measured the same way). Bare and attached servers run side by side in fresh processes
 * every round and take turns (order alternating per round), each answering the same number of requests, so a
 * change in machine load hits both. autocannon runs in this Node process.
 *
 * The first figure is the server's own CPU time per request (utime + stime from /proc ÷ requests answered): the
 * median of the per-round differences (variant − bare) in µs, and the same as a share of bare, each with a 95 %
 * confidence interval for the median (`paired-cost.ts`). A round's difference is the median over its slice pairs
 * (`pairedCost` over the slices), so one slice the machine disturbed does not decide it. The servers warm up in the same
 * alternating slices, unmeasured: a server measured right after one long warm-up run still costs 25 to 60 % more
 * per request for its first two slices of 8,000 (every runtime's code for new connections is still cold then). It is what a server pays, and the load generator on the
 * same cores disturbs it far less than it disturbs requests per second. The second figure is the req/s ratio
 * (variant ÷ bare, median of the per-round ratios), also with its interval. A goal is called met or missed only
 * when the whole interval is on one side of it; otherwise the verdict is `unclear`. A second bare server
 * (`bare-again`, an A/A control) is measured the same way: its intervals should contain 0 added and a ratio of 1.
 */
import autocannon from "autocannon";
import { machine, writeResults } from "./results.ts";
import { enoughRounds, type MedianInterval, medianInterval } from "./median-interval.ts";
import { costOfDifferences, costVerdict, type PairedCost, pairedCost } from "./paired-cost.ts";
import { fmt, median, table } from "./table.ts";
import { OVERHEAD_RUNTIMES, type Runtime, runtimeVersions } from "./runtimes.ts";
import { cpuBetween, cpuSnapshot } from "./cpu-time.ts";
import { type ServerProcess, startServer, stopServer } from "./server-process.ts";

export interface OverheadOptions {
  /** Rounds per runtime at least. */
  readonly rounds: number;
  /**
   * Rounds per runtime at most: after `rounds`, more are run while drain's interval is still as wide as the
   * ceiling or wider (see `enoughRounds`). Equal to `rounds` for a fixed count.
   */
  readonly maxRounds: number;
  /** Requests each server answers per round (and per warm-up), so every measurement does the same work. */
  readonly requests: number;
  /** Each round's requests are taken in this many turns per variant (see `runRuntime`). */
  readonly slices: number;
  readonly warmupRequests: number;
  readonly connections: number;
  readonly runtimes: readonly Runtime[];
}

export const OVERHEAD_DEFAULTS: OverheadOptions = {
  rounds: 30,
  // Node's round figures spread with a standard deviation of about 2.7 % on this machine (slices within a round
  // about 10 %): 30 rounds gave it intervals 2.3 to 3 points wide, 35 one of 1.9. Bun's and Deno's are narrower
  // than the 2 % ceiling at 30.
  maxRounds: 60,
  // Six measured slices of 8,000 per server and round (each slice a fresh autocannon run of 50 connections),
  // after three such slices to warm up. More requests would make each round longer, and longer rounds let the
  // machine's load drift between the two halves of a pair.
  requests: 48_000,
  slices: 6,
  warmupRequests: 24_000,
  connections: 50,
  runtimes: OVERHEAD_RUNTIMES,
};

/** Drain's ceiling on the server CPU it adds per request, as a share of the bare runtime's (every runtime). */
export const CPU_CEILING = 0.02;
/** Drain's floor on req/s, as a share of bare's (the second figure). */
const GOALS: Record<Runtime, number> = { node: 0.98, node24: 0.98, bun: 0.97, deno: 0.97 };
/** The A/A control: another bare server, started the same way as the first. */
const CONTROL = "bare-again";
const VARIANTS: Record<Runtime, readonly string[]> = {
  node: ["bare", CONTROL, "drain", "http-terminator", "stoppable"],
  node24: ["bare", CONTROL, "drain", "http-terminator", "stoppable"],
  bun: ["bare", CONTROL, "drain", "zero-params"],
  deno: ["bare", CONTROL, "drain", "completed-hook", "zero-params"],
};

/**
 * Met when the whole confidence interval of the ratio is at or above the goal, missed when it is wholly below,
 * `unclear` when the goal lies inside it: the run was too noisy (or too short) to tell.
 */
export function overheadVerdict(interval: Pick<MedianInterval, "low" | "high">, goal: number): "ok" | "MISSED" | "unclear" {
  if (interval.low >= goal) return "ok";
  return interval.high < goal ? "MISSED" : "unclear";
}

/**
 * The order the variants take in one slice: the list rotated by one more place each slice (reversed in every other
 * round), so every variant takes every place equally often and none is measured twice in a row across two slices.
 * (Alternating forward and backward put the first and the last variant twice in a row at every turn, and a
 * server measured again at once costs less: in one run that made two identical Bun servers differ by 1.3 %.)
 *
 * @example
 * ```ts
 * sliceOrder(["a", "b", "c"], 1, false); // ["b", "c", "a"]
 * sliceOrder(["a", "b", "c"], 1, true); // ["b", "a", "c"]
 * ```
 */
export function sliceOrder<T>(variants: readonly T[], slice: number, reversed: boolean): T[] {
  const base = reversed ? [...variants].reverse() : variants;
  const shift = slice % base.length;
  return [...base.slice(shift), ...base.slice(0, shift)];
}

export interface VariantResult {
  readonly runtime: Runtime;
  readonly variant: string;
  readonly perRound: number[];
  /** Server CPU µs per request, per round (same order as `perRound`). */
  readonly cpuPerRound: number[];
  /** Server CPU µs per request of every measured slice, per round (for looking at where the noise comes from). */
  readonly cpuSlices: number[][];
  readonly medianRps: number;
  /** Median over rounds of (this variant's req/s ÷ bare's req/s in the same round). */
  readonly ratio: number;
  /** The 95 % confidence interval of that median (distribution-free; see `medianInterval`). */
  readonly ratioInterval: MedianInterval;
  /** Median over rounds of the server process's CPU time per request, in µs (less sensitive to the shared cores). */
  readonly cpuUsPerRequest: number;
  /** CPU µs per request added to bare's in the same round (median of the paired differences, with intervals). */
  readonly cpuAdded: PairedCost;
  /** The ceiling on `cpuAdded.relative` (drain only). */
  readonly cpuCeiling: number | undefined;
  /** `ok`, `MISSED`, or `unclear` when the ceiling lies inside `cpuAdded.relativeInterval`. */
  readonly cpuVerdict: string;
  readonly goal: number | undefined;
  /** `ok`, `MISSED`, or `unclear` when the goal lies inside the ratio's confidence interval. */
  readonly verdict: string;
  readonly errors: number;
}

interface Measured {
  readonly requests: number;
  readonly seconds: number;
  readonly cpuMs: number;
  readonly precise: boolean;
  readonly errors: number;
}

async function measure(server: ServerProcess, requests: number, connections: number): Promise<Measured> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`the server on ${server.url} exited (code ${server.child.exitCode}, signal ${server.child.signalCode}): ${server.stderr()}`);
  }
  const before = cpuSnapshot(server.pid);
  const start = performance.now();
  let last = start;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ url: server.url, connections, pipelining: 1, amount: requests, sampleInt: 100 }, (error: unknown, done: autocannon.Result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(done);
    });
    // autocannon notices the last response only at its next sample tick, so time the last response itself.
    run.on("response", () => {
      last = performance.now();
    });
  });
  const cpu = cpuBetween(before, cpuSnapshot(server.pid));
  return { requests: result.requests.total, seconds: (last - start) / 1000, cpuMs: cpu.ms, precise: cpu.precise, errors: result.errors + result.timeouts + result.non2xx };
}

/** Start one server per variant (they warm up in the round's first slices). */
async function startVariants(runtime: Runtime, variants: readonly string[]): Promise<Map<string, ServerProcess>> {
  const servers = new Map<string, ServerProcess>();
  try {
    for (const variant of variants) servers.set(variant, await startServer({ runtime, name: "hello", variant: variant === CONTROL ? "bare" : variant }));
    return servers;
  } catch (error) {
    await stopAll(servers);
    throw error;
  }
}

async function stopAll(servers: Map<string, ServerProcess>): Promise<void> {
  for (const server of servers.values()) await stopServer(server, 2_000);
}

async function runRuntime(runtime: Runtime, options: OverheadOptions): Promise<VariantResult[]> {
  const variants = VARIANTS[runtime];
  const rps = new Map<string, number[]>(variants.map((v) => [v, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));
  const errors = new Map<string, number>(variants.map((v) => [v, 0]));
  // Per variant, each round's difference from bare (the median over its slice pairs: `pairedCost` over the slices).
  const added = new Map<string, number[]>(variants.map((v) => [v, []]));
  const relative = new Map<string, number[]>(variants.map((v) => [v, []]));
  const sliceLog = new Map<string, number[][]>(variants.map((v) => [v, []]));
  const sliceSize = Math.ceil(options.requests / options.slices);
  const warmSlices = Math.ceil(options.warmupRequests / sliceSize);
  let coarse = 0;
  for (let round = 0; !enoughRounds(relative.get("drain") as number[], options.rounds, options.maxRounds, CPU_CEILING); round += 1) {
    // Fresh processes every round: two identical servers can differ by several percent for the life of the
    // process (measured with the A/A control), so one process per variant would turn that into the figure.
    const servers = await startVariants(runtime, variants);
    try {
      // Each variant's requests are split into slices taken in turns (forward, then backward, ...), so the load
      // other processes put on the machine changes little between the slices of a pair. The first `warmSlices`
      // are the warm-up, taken the same way and not counted.
      const sums = new Map(variants.map((v) => [v, { requests: 0, seconds: 0, cpuMs: 0 }]));
      const slices = new Map<string, number[]>(variants.map((v) => [v, []]));
      for (let slice = 0; slice < warmSlices + options.slices; slice += 1) {
        const order = sliceOrder(variants, slice, round % 2 === 1);
        for (const variant of order) {
          const m = await measure(servers.get(variant) as ServerProcess, sliceSize, options.connections);
          if (slice < warmSlices) continue;
          slices.get(variant)?.push((m.cpuMs * 1000) / Math.max(1, m.requests));
          const sum = sums.get(variant) as { requests: number; seconds: number; cpuMs: number };
          sum.requests += m.requests;
          sum.seconds += m.seconds;
          sum.cpuMs += m.cpuMs;
          errors.set(variant, (errors.get(variant) ?? 0) + m.errors);
          if (!m.precise) coarse += 1;
        }
      }
      for (const [variant, sum] of sums) {
        rps.get(variant)?.push(sum.requests / sum.seconds);
        cpu.get(variant)?.push((sum.cpuMs * 1000) / Math.max(1, sum.requests));
        const difference = pairedCost(slices.get("bare") as number[], slices.get(variant) as number[]);
        added.get(variant)?.push(difference.added);
        sliceLog.get(variant)?.push(slices.get(variant) as number[]);
        relative.get(variant)?.push(difference.relative);
      }
    } finally {
      await stopAll(servers);
    }
  }
  if (coarse > 0) console.log(`note: ${runtime}: a server thread exited during ${coarse} measurement(s); those used the 10 ms /proc/<pid>/stat ticks.`);
  const done = (relative.get("drain") as number[]).length;
  if (done > options.rounds) console.log(`note: ${runtime}: ${done} rounds (${options.rounds} at least, then until drain's CPU interval was narrower than the ${fmt(CPU_CEILING * 100, 0)} % ceiling, ${options.maxRounds} at most).`);
  const bare = rps.get("bare") as number[];
  return variants.map((variant) => {
    const perRound = rps.get(variant) as number[];
    const goal = variant === "drain" ? GOALS[runtime] : undefined;
    const ratios = perRound.map((r, i) => r / (bare[i] as number));
    const ratioInterval = medianInterval(ratios);
    const cpuPerRound = cpu.get(variant) as number[];
    const cpuAdded = costOfDifferences(added.get(variant) as number[], relative.get(variant) as number[]);
    const cpuCeiling = variant === "drain" ? CPU_CEILING : undefined;
    return {
      runtime,
      variant,
      perRound,
      cpuPerRound,
      cpuSlices: sliceLog.get(variant) as number[][],
      medianRps: median(perRound),
      ratio: median(ratios),
      ratioInterval,
      cpuUsPerRequest: median(cpuPerRound),
      cpuAdded,
      cpuCeiling,
      cpuVerdict: cpuCeiling === undefined ? "" : costVerdict(cpuAdded.relativeInterval, cpuCeiling),
      goal,
      verdict: goal === undefined ? "" : overheadVerdict(ratioInterval, goal),
      errors: errors.get(variant) ?? 0,
    };
  });
}

const signed = (n: number, digits: number): string => `${n >= 0 ? "+" : "−"}${fmt(Math.abs(n), digits)}`;
const span = (i: MedianInterval, digits: number, scale = 1): string => `${signed(i.low * scale, digits)} … ${signed(i.high * scale, digits)}`;

/** Run the overhead benchmark, print its tables, write results/overhead.json. */
export async function runOverhead(options: OverheadOptions = OVERHEAD_DEFAULTS): Promise<VariantResult[]> {
  console.log(
    `\n## overhead: keep-alive hello world, autocannon ${options.connections} connections, pipelining 1, ` +
      `${options.rounds === options.maxRounds ? options.rounds : `${options.rounds} to ${options.maxRounds}`} rounds x ${fmt(options.requests)} requests per variant (in ${options.slices} alternating slices) after ${fmt(options.warmupRequests)} taken the same way to warm up, ` +
      `fresh processes every round (client and servers share ${machine()["cores"]} cores, load average ${loadLine()})\n`,
  );
  const results: VariantResult[] = [];
  for (const runtime of options.runtimes) results.push(...(await runRuntime(runtime, options)));
  const others = results.filter((r) => r.variant !== "bare");
  const cpuCoverage = Math.min(...others.map((r) => r.cpuAdded.relativeInterval.coverage));
  const bareOf = (r: VariantResult): VariantResult => results.find((b) => b.runtime === r.runtime && b.variant === "bare") as VariantResult;
  console.log(`server CPU per request (utime + stime of the server process ÷ requests it answered), paired with bare in each round:\n`);
  console.log(
    table(
      ["runtime", "variant", "bare µs/req", "variant µs/req", "added µs/req", `${fmt(cpuCoverage * 100, 1)} % interval`, "added ÷ bare", "interval", "ceiling", ""],
      others.map((r) => [
        r.runtime,
        r.variant,
        fmt(bareOf(r).cpuUsPerRequest, 2),
        fmt(r.cpuUsPerRequest, 2),
        signed(r.cpuAdded.added, 2),
        span(r.cpuAdded.addedInterval, 2),
        `${signed(r.cpuAdded.relative * 100, 1)} %`,
        `${span(r.cpuAdded.relativeInterval, 1, 100)} %`,
        r.cpuCeiling === undefined ? "" : `<= ${fmt(r.cpuCeiling * 100, 0)} %`,
        r.cpuVerdict,
      ]),
    ),
  );
  const rows = results.map((r) => [
    r.runtime,
    r.variant,
    fmt(r.medianRps),
    r.variant === "bare" ? "1.000" : fmt(r.ratio, 3),
    r.variant === "bare" ? "" : `${fmt(r.ratioInterval.low, 3)} – ${fmt(r.ratioInterval.high, 3)}`,
    r.goal === undefined ? "" : `>= ${r.goal}`,
    r.verdict,
    String(r.errors),
  ]);
  const coverage = Math.min(...others.map((r) => r.ratioInterval.coverage));
  console.log(`\nthroughput (the second figure; the load generator shares the cores, so it moves with the machine's load):\n`);
  console.log(table(["runtime", "variant", "req/s (median)", "ratio vs bare", `${fmt(coverage * 100, 1)} % interval`, "goal", "", "errors"], rows));
  console.log(
    "\nEach interval is where the median lies with that confidence, from the spread over the rounds. " +
      "ok / MISSED: the whole interval is on the good / bad side of the goal; unclear: the goal is inside it (more rounds narrow it: --max-rounds). " +
      `${CONTROL} is a second bare server, the A/A control: its intervals should contain 0 added and a ratio of 1.`,
  );
  for (const r of others.filter((r) => r.variant === CONTROL)) {
    if (r.ratioInterval.low > 1 || r.ratioInterval.high < 1) console.log(`warning: ${r.runtime}'s A/A control req/s interval excludes 1, so something besides drain told identical servers apart in this run.`);
    if (r.cpuAdded.addedInterval.low > 0 || r.cpuAdded.addedInterval.high < 0) console.log(`warning: ${r.runtime}'s A/A control CPU interval excludes 0, so something besides drain told identical servers apart in this run.`);
  }
  for (const r of others.filter((r) => r.cpuCeiling !== undefined)) {
    const width = r.cpuAdded.relativeInterval.high - r.cpuAdded.relativeInterval.low;
    if (width >= (r.cpuCeiling as number)) console.log(`note: ${r.runtime}'s CPU interval is ${fmt(width * 100, 1)} points wide after ${r.cpuPerRound.length} rounds, not narrower than the ${fmt((r.cpuCeiling as number) * 100, 0)} % ceiling: more --max-rounds or a quieter machine would narrow it.`);
  }
  writeResults("overhead", { at: new Date().toISOString(), machine: machine(), versions: runtimeVersions(), options, results });
  return results;
}

function loadLine(): string {
  return (machine()["loadavg"] as number[]).map((l) => fmt(l, 2)).join(" ");
}
