import type { ForcedItem, Report } from "@drain/core";
import { seconds } from "./log-lines.ts";

/** The words of the "why did it not exit?" lines: what was forced, and what still holds the process. */

/** How many forced items the log line names; the report lists more. */
export const FORCED_IN_LINE = 5;

function describeItem(item: ForcedItem): string {
  const what = [item.kind, item.method, item.path].filter((part) => part !== undefined).join(" ");
  const from = item.peer === undefined ? "" : ` from ${item.peer}`;
  const age = `${item.ageIsLowerBound ? "at least " : ""}${seconds(item.ageMs)} old`;
  const sent = item.bytesSent === undefined ? "" : `, ${item.bytesSent} bytes sent`;
  return `${what}${from} (${age}${sent})`;
}

/**
 * `drain: forced 3: request GET /hang from 127.0.0.1:50412 (1.2 s old); …`, or `undefined` when nothing was forced.
 *
 * @example
 * ```ts
 * const line = forcedLine(report);
 * if (line !== undefined) log.warn(line);
 * ```
 */
export function forcedLine(report: Report): string | undefined {
  const total = report.forcedItems.length + report.forcedItemsLeftOut;
  if (total === 0) return undefined;
  const named = report.forcedItems.slice(0, FORCED_IN_LINE).map(describeItem);
  const more = total - named.length;
  return `drain: forced ${total}: ${named.join("; ")}${more > 0 ? `; and ${more} more (see report.forcedItems)` : ""}`;
}

/** `2 Timeout, 1 TCPSocketWrap`: kinds counted, in the order first seen. */
export function countKinds(kinds: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(", ");
}

/**
 * The one line that answers "why did it not exit?" once the report is out and the process still runs.
 *
 * @example
 * ```ts
 * stillRunningLine(2_000, ["Timeout", "TCPServerWrap"], undefined, "node");
 * // drain: the process is still running 2.0 s after the report; what holds it: 1 Timeout, 1 TCPServerWrap (…)
 * ```
 */
export function stillRunningLine(afterMs: number, holders: readonly string[] | undefined, unseen: string | undefined, runtime: string): string {
  const head = `drain: the process is still running ${seconds(afterMs)} after the report`;
  const notOurs = "none of it is drain's: its listener, connections, timers and signal listeners are closed";
  const blind = unseen === undefined ? "" : `; not shown: ${unseen}`;
  if (holders === undefined) return `${head}; ${runtime} cannot list what holds it (look for the app's timers, sockets, servers and child processes)`;
  if (holders.length === 0) return `${head}; ${runtime} names nothing that holds it${blind}`;
  return `${head}; what holds it: ${countKinds(holders)} (${notOurs}${blind})`;
}
