/**
 * `pnpm bench overhead`: requests per second of a keep-alive hello world with drain attached, divided by the same
 * server without it, per runtime (and http-terminator and stoppable on Node, measured the same way). Bare and
 * attached servers run side by side and take turns (order alternating per round), so a change in machine load
 * hits both; the figure is the median of the per-round ratios. autocannon runs in this Node process.
 *
 * Every ratio comes with a 95 % confidence interval for its median (`median-interval.ts`), and a goal is called
 * met or missed only when the whole interval is on one side of it; otherwise the verdict is `unclear`. A second
 * bare server (`bare-again`, an A/A control) is measured the same way: its interval should contain 1.
 */
import autocannon from "autocannon";
import { machine, writeResults } from "./results.ts";
import { type MedianInterval, medianInterval } from "./median-interval.ts";
import { fmt, median, table } from "./table.ts";
import { OVERHEAD_RUNTIMES, type Runtime, runtimeVersions } from "./runtimes.ts";
import { cpuMs, type ServerProcess, startServer, stopServer } from "./server-process.ts";

export interface OverheadOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly runtimes: readonly Runtime[];
}

export const OVERHEAD_DEFAULTS: OverheadOptions = { rounds: 12, seconds: 2, connections: 50, runtimes: OVERHEAD_RUNTIMES };

const GOALS: Record<Runtime, number> = { node: 0.98, node24: 0.98, bun: 0.97, deno: 0.97 };
/** The A/A control: another bare server, started the same way as the first. */
const CONTROL = "bare-again";
const VARIANTS: Record<Runtime, readonly string[]> = {
  node: ["bare", CONTROL, "drain", "http-terminator", "stoppable"],
  node24: ["bare", CONTROL, "drain", "http-terminator", "stoppable"],
  bun: ["bare", CONTROL, "drain"],
  deno: ["bare", CONTROL, "drain"],
};

/**
 * Met when the whole confidence interval of the ratio is at or above the goal, missed when it is wholly below,
 * `unclear` when the goal lies inside it: the run was too noisy (or too short) to tell.
 */
export function overheadVerdict(interval: Pick<MedianInterval, "low" | "high">, goal: number): "ok" | "MISSED" | "unclear" {
  if (interval.low >= goal) return "ok";
  return interval.high < goal ? "MISSED" : "unclear";
}

export interface VariantResult {
  readonly runtime: Runtime;
  readonly variant: string;
  readonly perRound: number[];
  readonly medianRps: number;
  /** Median over rounds of (this variant's req/s ÷ bare's req/s in the same round). */
  readonly ratio: number;
  /** The 95 % confidence interval of that median (distribution-free; see `medianInterval`). */
  readonly ratioInterval: MedianInterval;
  /** Median over rounds of the server process's CPU time per request, in µs (less sensitive to the shared cores). */
  readonly cpuUsPerRequest: number;
  /** Median over rounds of (bare's CPU per request ÷ this variant's), in the same round: 1 = no extra CPU. */
  readonly cpuRatio: number;
  readonly goal: number | undefined;
  /** `ok`, `MISSED`, or `unclear` when the goal lies inside the ratio's confidence interval. */
  readonly verdict: string;
  readonly errors: number;
}

async function measure(server: ServerProcess, seconds: number, connections: number): Promise<{ rps: number; cpuUs: number; errors: number }> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`the server on ${server.url} exited (code ${server.child.exitCode}, signal ${server.child.signalCode}): ${server.stderr()}`);
  }
  const cpuBefore = cpuMs(server.pid);
  const result = await autocannon({ url: server.url, connections, pipelining: 1, duration: seconds });
  const cpuUs = ((cpuMs(server.pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  return { rps: result.requests.total / seconds, cpuUs, errors: result.errors + result.timeouts + result.non2xx };
}

/** Start one server per variant, warm each up (JIT tiers, connection pools, the first collections). */
async function startVariants(runtime: Runtime, variants: readonly string[], connections: number): Promise<Map<string, ServerProcess>> {
  const servers = new Map<string, ServerProcess>();
  try {
    for (const variant of variants) servers.set(variant, await startServer({ runtime, name: "hello", variant: variant === CONTROL ? "bare" : variant }));
    for (const variant of variants) await measure(servers.get(variant) as ServerProcess, 1, connections);
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
  for (let round = 0; round < options.rounds; round += 1) {
    // Fresh processes every round: two identical servers can differ by several percent for the life of the
    // process (measured with the A/A control), so one process per variant would turn that into the figure.
    const servers = await startVariants(runtime, variants, options.connections);
    try {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const m = await measure(servers.get(variant) as ServerProcess, options.seconds, options.connections);
        rps.get(variant)?.push(m.rps);
        cpu.get(variant)?.push(m.cpuUs);
        errors.set(variant, (errors.get(variant) ?? 0) + m.errors);
      }
    } finally {
      await stopAll(servers);
    }
  }
  const bare = rps.get("bare") as number[];
  const bareCpu = cpu.get("bare") as number[];
  return variants.map((variant) => {
    const perRound = rps.get(variant) as number[];
    const goal = variant === "drain" ? GOALS[runtime] : undefined;
    const ratios = perRound.map((r, i) => r / (bare[i] as number));
    const ratioInterval = medianInterval(ratios);
    return {
      runtime,
      variant,
      perRound,
      medianRps: median(perRound),
      ratio: median(ratios),
      ratioInterval,
      cpuUsPerRequest: median(cpu.get(variant) as number[]),
      cpuRatio: median((cpu.get(variant) as number[]).map((c, i) => (bareCpu[i] as number) / c)),
      goal,
      verdict: goal === undefined ? "" : overheadVerdict(ratioInterval, goal),
      errors: errors.get(variant) ?? 0,
    };
  });
}

/** Run the overhead benchmark, print its table, write results/overhead.json. */
export async function runOverhead(options: OverheadOptions = OVERHEAD_DEFAULTS): Promise<VariantResult[]> {
  console.log(
    `\n## overhead: keep-alive hello world, autocannon ${options.connections} connections, pipelining 1, ` +
      `${options.rounds} rounds x ${options.seconds} s per variant (client and servers share ${machine()["cores"]} cores)\n`,
  );
  const results: VariantResult[] = [];
  for (const runtime of options.runtimes) results.push(...(await runRuntime(runtime, options)));
  const rows = results.map((r) => [
    r.runtime,
    r.variant,
    fmt(r.medianRps),
    r.variant === "bare" ? "1.000" : fmt(r.ratio, 3),
    r.variant === "bare" ? "" : `${fmt(r.ratioInterval.low, 3)} – ${fmt(r.ratioInterval.high, 3)}`,
    r.goal === undefined ? "" : `>= ${r.goal}`,
    r.verdict,
    fmt(r.cpuUsPerRequest, 1),
    r.variant === "bare" ? "1.000" : fmt(r.cpuRatio, 3),
    String(r.errors),
  ]);
  const coverage = Math.min(...results.map((r) => r.ratioInterval.coverage));
  const head = ["runtime", "variant", "req/s (median)", "ratio vs bare", `${fmt(coverage * 100, 1)} % interval`, "goal", "", "server CPU µs/req", "CPU ratio", "errors"];
  console.log(table(head, rows));
  console.log(
    "\nThe interval is where the median ratio lies with that confidence, from the spread of the per-round ratios. " +
      "ok / MISSED: the whole interval is above / below the goal; unclear: the goal is inside it (more --rounds narrow it). " +
      `${CONTROL} is a second bare server, the A/A control: its interval should contain 1.`,
  );
  const biased = results.filter((r) => r.variant === CONTROL && (r.ratioInterval.low > 1 || r.ratioInterval.high < 1));
  for (const r of biased) console.log(`warning: ${r.runtime}'s A/A control interval excludes 1, so something besides drain told identical servers apart in this run.`);
  writeResults("overhead", { at: new Date().toISOString(), machine: machine(), versions: runtimeVersions(), options, results });
  return results;
}
