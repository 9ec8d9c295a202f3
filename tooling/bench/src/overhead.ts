/**
 * `pnpm bench overhead`: requests per second of a keep-alive hello world with drain attached, divided by the same
 * server without it, per runtime (and http-terminator and stoppable on Node, measured the same way). Bare and
 * attached servers run side by side and take turns (order alternating per round), so a change in machine load
 * hits both; the figure is the median of the per-round ratios. autocannon runs in this Node process.
 *
 * A second bare server (`bare-again`) is measured the same way: its ratio to the first is what this machine's
 * noise alone does to the figure in this run. When it is further from 1 than a goal's margin, the run cannot tell
 * whether that goal was met, and says so instead of printing ok or MISSED.
 */
import autocannon from "autocannon";
import { machine, writeResults } from "./results.ts";
import { fmt, median, table } from "./table.ts";
import { OVERHEAD_RUNTIMES, type Runtime, runtimeVersions } from "./runtimes.ts";
import { cpuMs, type ServerProcess, startServer, stopServer } from "./server-process.ts";

export interface OverheadOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly runtimes: readonly Runtime[];
}

export const OVERHEAD_DEFAULTS: OverheadOptions = { rounds: 9, seconds: 2, connections: 50, runtimes: OVERHEAD_RUNTIMES };

const GOALS: Record<Runtime, number> = { node: 0.98, node24: 0.98, bun: 0.97, deno: 0.97 };
/** The A/A control: another bare server, started the same way as the first. */
const CONTROL = "bare-again";
const VARIANTS: Record<Runtime, readonly string[]> = {
  node: ["bare", CONTROL, "drain", "http-terminator", "stoppable"],
  node24: ["bare", CONTROL, "drain", "http-terminator", "stoppable"],
  bun: ["bare", CONTROL, "drain"],
  deno: ["bare", CONTROL, "drain"],
};

/** Met, missed, or not decidable: the control moved further from 1 than the goal's margin. */
export function overheadVerdict(ratio: number, goal: number, controlRatio: number): "ok" | "MISSED" | "noise" {
  if (Math.abs(controlRatio - 1) > 1 - goal) return "noise";
  return ratio >= goal ? "ok" : "MISSED";
}

export interface VariantResult {
  readonly runtime: Runtime;
  readonly variant: string;
  readonly perRound: number[];
  readonly medianRps: number;
  /** Median over rounds of (this variant's req/s ÷ bare's req/s in the same round). */
  readonly ratio: number;
  /** Median over rounds of the server process's CPU time per request, in µs (less sensitive to the shared cores). */
  readonly cpuUsPerRequest: number;
  /** Median over rounds of (bare's CPU per request ÷ this variant's), in the same round: 1 = no extra CPU. */
  readonly cpuRatio: number;
  readonly goal: number | undefined;
  /** `ok`, `MISSED`, or `noise` when the A/A control of the same run was further from 1 than the goal's margin. */
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
  const ratioOf = (variant: string): number => median((rps.get(variant) as number[]).map((r, i) => r / (bare[i] as number)));
  const controlRatio = ratioOf(CONTROL);
  return variants.map((variant) => {
    const perRound = rps.get(variant) as number[];
    const goal = variant === "drain" ? GOALS[runtime] : undefined;
    const ratio = ratioOf(variant);
    return {
      runtime,
      variant,
      perRound,
      medianRps: median(perRound),
      ratio,
      cpuUsPerRequest: median(cpu.get(variant) as number[]),
      cpuRatio: median((cpu.get(variant) as number[]).map((c, i) => (bareCpu[i] as number) / c)),
      goal,
      verdict: goal === undefined ? "" : overheadVerdict(ratio, goal, controlRatio),
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
    r.goal === undefined ? "" : `>= ${r.goal}`,
    r.verdict,
    fmt(r.cpuUsPerRequest, 1),
    r.variant === "bare" ? "1.000" : fmt(r.cpuRatio, 3),
    String(r.errors),
  ]);
  const head = ["runtime", "variant", "req/s (median)", "ratio vs bare", "goal", "", "server CPU µs/req", "CPU ratio", "errors"];
  console.log(table(head, rows));
  console.log(
    `\n${CONTROL}: a second bare server, the A/A control; its ratio is what noise alone did in this run. ` +
      "noise: the control moved further from 1 than the goal's margin, so this run cannot decide that goal.",
  );
  writeResults("overhead", { at: new Date().toISOString(), machine: machine(), versions: runtimeVersions(), options, results });
  return results;
}
