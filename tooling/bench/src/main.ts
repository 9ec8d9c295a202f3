/**
 * `pnpm bench [core|overhead|scale|rolling ...]`: every part by default, or the parts named. Each prints a table
 * next to its goals and writes results/<part>.json. `--quick` shortens every part (for a first look, not for
 * quoting); `--runtime=node,bun` limits overhead, scale and rolling to those runtimes; `--rounds=N` runs the
 * overhead part for exactly N rounds per runtime (by default 30, then more while drain's interval is not yet
 * narrower than its ceiling, up to `--max-rounds=N`, 60 by default); `--requests=N` sets its requests per server
 * per round (more rounds narrow its confidence intervals).
 */
import { runCore } from "./core.ts";
import { OVERHEAD_DEFAULTS, runOverhead } from "./overhead.ts";
import { ROLLING_DEFAULTS, runRolling } from "./rolling.ts";
import { OVERHEAD_RUNTIMES, RUNTIMES, type Runtime } from "./runtimes.ts";
import { SCALE_DEFAULTS, runScale } from "./scale.ts";

const PARTS = ["core", "overhead", "scale", "rolling"] as const;
type Part = (typeof PARTS)[number];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const runtimeArg = args.find((a) => a.startsWith("--runtime="))?.slice("--runtime=".length);
const chosen = runtimeArg === undefined ? undefined : (runtimeArg.split(",") as Runtime[]);
for (const runtime of chosen ?? []) {
  if (!OVERHEAD_RUNTIMES.includes(runtime)) {
    console.error(`unknown runtime "${runtime}": use --runtime= with one or more of ${OVERHEAD_RUNTIMES.join(",")}`);
    process.exit(2);
  }
}
const roundsArg = args.find((a) => a.startsWith("--rounds="))?.slice("--rounds=".length);
const rounds = roundsArg === undefined ? undefined : Number(roundsArg);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) {
  console.error(`--rounds=${roundsArg}: use a whole number of rounds, at least 1 (30 by default)`);
  process.exit(2);
}
const maxRoundsArg = args.find((a) => a.startsWith("--max-rounds="))?.slice("--max-rounds=".length);
const maxRounds = maxRoundsArg === undefined ? undefined : Number(maxRoundsArg);
if (maxRounds !== undefined && !(Number.isInteger(maxRounds) && maxRounds >= (rounds ?? OVERHEAD_DEFAULTS.rounds))) {
  console.error(`--max-rounds=${maxRoundsArg}: use a whole number of rounds, at least --rounds (${rounds ?? OVERHEAD_DEFAULTS.rounds}); ${OVERHEAD_DEFAULTS.maxRounds} by default`);
  process.exit(2);
}
const requestsArg = args.find((a) => a.startsWith("--requests="))?.slice("--requests=".length);
const requests = requestsArg === undefined ? undefined : Number(requestsArg);
if (requests !== undefined && !(Number.isInteger(requests) && requests >= 1_000)) {
  console.error(`--requests=${requestsArg}: use a whole number of requests per server and round, at least 1000 (48000 by default)`);
  process.exit(2);
}
const named = args.filter((a) => !a.startsWith("--"));
for (const name of named) {
  if (!(PARTS as readonly string[]).includes(name)) {
    console.error(`unknown part "${name}": use one or more of ${PARTS.join(", ")} (or nothing for all), optionally --quick`);
    process.exit(2);
  }
}
const parts: readonly Part[] = named.length === 0 ? PARTS : (named as Part[]);

for (const part of parts) {
  if (part === "core") runCore();
  if (part === "overhead") await runOverhead({
      ...OVERHEAD_DEFAULTS,
      ...(quick ? { rounds: 3, maxRounds: 3, requests: 10_000, slices: 2, warmupRequests: 5_000 } : {}),
      ...(rounds === undefined ? {} : { rounds, maxRounds: rounds }),
      ...(maxRounds === undefined ? {} : { maxRounds }),
      ...(requests === undefined ? {} : { requests }),
      runtimes: chosen ?? OVERHEAD_RUNTIMES,
    });
  if (part === "scale") await runScale({ ...SCALE_DEFAULTS, ...(quick ? { idle: 1_000, idleOnlyRuns: 3, idleOnlyMaxRuns: 3, sse: 200, ws: 200, inflight: 50 } : {}), runtimes: chosen ?? RUNTIMES });
  if (part === "rolling") await runRolling(quick ? { ...ROLLING_DEFAULTS, restartsPerInstance: 1 } : ROLLING_DEFAULTS, chosen ?? RUNTIMES);
}
