/**
 * A tiny deterministic generator (mulberry32). The core never draws its own randomness: the caller's
 * `seed` arrives with the shutdown input, so every run is reproducible from its inputs.
 */
export function nextRandom(state: { rng: number }): number {
  state.rng = (state.rng + 0x6d2b79f5) | 0;
  let t = state.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A whole number drawn uniformly from [min, max]. */
export function randomBetween(state: { rng: number }, min: number, max: number): number {
  return min + Math.floor(nextRandom(state) * (max - min + 1));
}
