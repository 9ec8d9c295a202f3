/**
 * The capability table: what each target serves and which measured gaps it declares. It is the one place the
 * differences between runtimes are listed; `test/capabilities.test.ts` prints it, checks the suite against it, and
 * checks that the README carries it unchanged.
 */
import * as targets from "./targets.ts";
import type { Gaps, Target } from "./targets.ts";

function isTarget(value: unknown): value is Target {
  return typeof value === "object" && value !== null && "name" in value && "gaps" in value && "command" in value;
}

const RUNTIME_ORDER: readonly string[] = ["node", "bun", "deno"];

/** Every target `targets.ts` exports (so a new one cannot be left out of the table): by runtime, bare before Hono. */
export const ALL_TARGETS: readonly Target[] = Object.values(targets)
  .filter(isTarget)
  .sort(
    (a, b) =>
      RUNTIME_ORDER.indexOf(a.runtime) - RUNTIME_ORDER.indexOf(b.runtime) ||
      Number(a.name.startsWith("hono-")) - Number(b.name.startsWith("hono-")) ||
      a.name.localeCompare(b.name),
  );

/** Every gap a target may declare, in table order. Typed against `Gaps`, so a new gap must be listed here. */
export const GAP_KEYS: readonly (keyof Gaps)[] = (() => {
  const all: Record<keyof Gaps, true> = {
    preconnect: true,
    listenerAfterGrace: true,
    keepAliveRace: true,
    pipelinedBehindPending: true,
    pipelinedOneAtATime: true,
    noHttp2: true,
    goawayAfterStreams: true,
    wsCloseEndsConnection: true,
    forcedRequestUndescribed: true,
    forcedSessionWithoutRequest: true,
    cannotListHolders: true,
  };
  return Object.keys(all) as (keyof Gaps)[];
})();

/** What a target serves, in words. */
export function serves(target: Target): string {
  const parts: string[] = [];
  if (target.http1) parts.push(target.tls ? "HTTP/1.1 over TLS" : "HTTP/1.1");
  if (target.http2) parts.push(target.tls ? "h2 (TLS, ALPN)" : "h2c");
  if (target.h2cOnHttp1Port === true) parts.push("h2c on the same port");
  return parts.join(" + ");
}

/**
 * The table as Markdown: one row per target, one column per gap ("gap" where declared).
 *
 * @example
 * ```ts
 * console.log(capabilityTable(ALL_TARGETS));
 * ```
 */
export function capabilityTable(targets: readonly Target[]): string {
  const header = ["target", "runtime", "serves", ...GAP_KEYS.map((key) => `\`${key}\``)];
  const rows = targets.map((target) => [
    `\`${target.name}\``,
    target.runtime,
    serves(target),
    ...GAP_KEYS.map((key) => (target.gaps[key] === undefined ? "" : "gap")),
  ]);
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** Each declared gap with its measured reason, one line per distinct reason. */
export function gapReasons(targets: readonly Target[]): string {
  const lines: string[] = [];
  for (const key of GAP_KEYS) {
    const byReason = new Map<string, string[]>();
    for (const target of targets) {
      const reason = target.gaps[key];
      if (reason !== undefined) byReason.set(reason, [...(byReason.get(reason) ?? []), target.name]);
    }
    for (const [reason, names] of byReason) lines.push(`${key} (${names.join(", ")}): ${reason}`);
  }
  return lines.join("\n");
}
