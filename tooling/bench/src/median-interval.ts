/**
 * A distribution-free confidence interval for a median: two order statistics of the sample, chosen with the
 * binomial distribution (each value falls below the true median with probability 1/2). It assumes nothing about
 * the shape of the noise, which on a shared VM is anything but normal.
 */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** The interval's actual coverage (at least the asked confidence, or the most a sample this small allows). */
  readonly coverage: number;
}

/**
 * The narrowest interval [x(k), x(n+1-k)] whose coverage is at least `confidence`; below 6 values no 95 %
 * interval exists, and the whole range is returned with the coverage it has.
 *
 * @example
 * ```ts
 * medianInterval([0.97, 1.01, 0.99, 1.0, 0.95, 1.02, 0.98, 1.03, 0.96]); // { low: 0.96, high: 1.02, coverage: 0.961 }
 * ```
 */
export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval {
  const n = values.length;
  if (n === 0) throw new Error("medianInterval needs at least one value");
  const sorted = [...values].sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  // P(X <= i) for X ~ Binomial(n, 1/2), built up in log space so a long run cannot underflow.
  let logPmf = -n * Math.LN2;
  let below = Math.exp(logPmf); // P(X <= k - 1), starting at k = 1
  let k = 1;
  while (k < n / 2) {
    logPmf += Math.log((n - (k - 1)) / k);
    const next = below + Math.exp(logPmf);
    if (next > tail) break;
    below = next;
    k += 1;
  }
  return { low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage: 1 - 2 * below };
}

/**
 * Whether a measure has had rounds enough: at least `minRounds`, then until the interval of the median of
 * `values` (one per round so far; the overhead part's drain share, the scale part's idle-only ratios) is narrower
 * than `ceiling`, or `maxRounds` are done. The stop depends only on the interval's width, never on where it lies:
 * it does not aim at a verdict.
 *
 * @example
 * ```ts
 * enoughRounds([0.03, 0.035, 0.04, 0.03, 0.032, 0.034], 6, 10, 0.02); // true: 1 point wide after 6 rounds
 * ```
 */
export function enoughRounds(values: readonly number[], minRounds: number, maxRounds: number, ceiling: number): boolean {
  if (values.length < minRounds) return false;
  if (values.length >= maxRounds) return true;
  const interval = medianInterval(values);
  return interval.high - interval.low < ceiling;
}
