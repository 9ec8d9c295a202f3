/**
 * The cost a variant adds to each request, from paired measurements: in every round the bare server and the
 * variant are measured side by side, and the figure is the median of the per-round differences (variant − bare),
 * with the distribution-free confidence interval of that median (`median-interval.ts`). Pairing cancels what a
 * round shares (machine load, the client's speed); the median and its interval assume nothing about the noise.
 * The overhead part pairs twice: a round's difference is `pairedCost` over its slices (the median, so one slice
 * the machine disturbed does not decide the round), and the figure is `costOfDifferences` over the rounds, which
 * stay the independent samples.
 */
import { type MedianInterval, medianInterval } from "./median-interval.ts";
import { median } from "./table.ts";

export interface PairedCost {
  /** Median over rounds of (variant − bare), in the unit measured (µs per request in `pnpm bench`). */
  readonly added: number;
  /** The confidence interval of that median. */
  readonly addedInterval: MedianInterval;
  /** Median over rounds of (variant − bare) ÷ bare: the added cost as a share of the bare cost (0.02 = 2 %). */
  readonly relative: number;
  /** The confidence interval of that median. */
  readonly relativeInterval: MedianInterval;
}

/**
 * Paired differences of `variant` against `bare`, round by round (both arrays in round order, same length).
 *
 * @example
 * ```ts
 * const cost = pairedCost([10, 11, 10.5, 9.8, 10.2, 10.1], [10.2, 11.1, 10.6, 10.0, 10.3, 10.2]);
 * cost.added; // 0.1 (µs per request, the median of the six differences)
 * cost.relativeInterval; // { low: ~0.0091, high: ~0.0204, coverage: 0.969 } (six rounds: the whole range)
 * ```
 */
export function pairedCost(bare: readonly number[], variant: readonly number[], confidence = 0.95): PairedCost {
  if (bare.length !== variant.length) throw new Error(`pairedCost needs one variant value per bare value; got ${variant.length} and ${bare.length}`);
  const differences = variant.map((v, i) => v - (bare[i] as number));
  return costOfDifferences(differences, differences.map((d, i) => d / (bare[i] as number)), confidence);
}

/**
 * The median and interval over rounds of per-round differences (`added`, in the unit measured, and `relative`,
 * as a share of bare), as `pairedCost` reports them.
 *
 * @example
 * ```ts
 * costOfDifferences([0.1, 0.2, 0.15, 0.1, 0.3, 0.2], [0.01, 0.02, 0.015, 0.01, 0.03, 0.02]).added; // 0.175
 * ```
 */
export function costOfDifferences(differences: readonly number[], relatives: readonly number[], confidence = 0.95): PairedCost {
  return {
    added: median(differences),
    addedInterval: medianInterval(differences, confidence),
    relative: median(relatives),
    relativeInterval: medianInterval(relatives, confidence),
  };
}

/**
 * A cost ceiling is met (`ok`) when the whole interval is at or under it, missed when the whole interval is over
 * it, and `unclear` when the ceiling lies inside the interval: the run could not tell.
 *
 * @example
 * ```ts
 * costVerdict({ low: 0.004, high: 0.017 }, 0.02); // "ok"
 * costVerdict({ low: 0.05, high: 0.11 }, 0.02); // "MISSED"
 * ```
 */
export function costVerdict(interval: Pick<MedianInterval, "low" | "high">, ceiling: number): "ok" | "MISSED" | "unclear" {
  if (interval.high <= ceiling) return "ok";
  return interval.low > ceiling ? "MISSED" : "unclear";
}
