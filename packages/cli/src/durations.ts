import { cliError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

/** The longest duration any flag takes: the server refuses a budget over an hour, so the CLI does too. */
export const MAX_DURATION_MS = 3_600_000;

/**
 * Parse a flag's duration: a bare number is milliseconds; `ms`, `s` and `m` suffixes are accepted.
 * Zero, negative, fractional milliseconds and anything above an hour are usage errors.
 *
 * @example
 * ```ts
 * parseDuration("--timeout", "20s"); // 20000
 * parseDuration("--timeout", "1500"); // 1500
 * ```
 */
export function parseDuration(flag: string, text: string): number {
  const match = PATTERN.exec(text.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * (UNIT_MS[match[2] ?? "ms"] ?? Number.NaN);
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_DURATION_MS) {
    throw cliError(
      "ERR_DRAIN_CLI_USAGE",
      `${flag} must be a duration between 1ms and 1h, like 20s, 1500ms or 20000 (milliseconds); got '${text}'.`,
    );
  }
  return ms;
}

/** `1234` -> `"1.2 s"`: durations as people read them in progress lines. */
export function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1_000).toFixed(1)} s`;
}
