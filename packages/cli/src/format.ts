import { formatSeconds } from "./durations.ts";
import type { Counts, ReportBody, StatusBody, StreamLine } from "./protocol.ts";

type Accepted = Extract<StreamLine, { type: "accepted" }>;
type Progress = Extract<StreamLine, { type: "progress" }>;

/** `drain: pid 4321 accepted the shutdown (graceful): phase notify, deadline in 25.0 s` (or `joined …`). */
export function formatAccepted(line: Accepted): string {
  const verb = line.joined === true ? `joined the shutdown already under way (${line.mode})` : `accepted the shutdown (${line.mode})`;
  return `drain: pid ${line.pid} ${verb}: phase ${line.phase}${deadline(line.msToDeadline, ", ")}`;
}

/**
 * `drain: phase drain, 2 requests, 1 sse, 3 idle; deadline in 12.3 s`: one short line per progress object. Past
 * the force deadline (cleanup hooks running) it says when the budget ends instead, when the server tells.
 */
export function formatProgress(line: Progress): string {
  const budget = line.msToDeadline === null && typeof line.msToBudgetEnd === "number" ? `; budget ends in ${formatSeconds(line.msToBudgetEnd)}` : "";
  return `drain: phase ${line.phase}, ${formatCounts(line.counts)}${deadline(line.msToDeadline, "; ")}${budget}`;
}

/** `drain: stopped clean in 1.2 s: closed 3 idle, …` or `drain: stopped NOT clean …: forced 2 connections, …`. */
export function formatReport(pid: number, report: ReportBody): string {
  const c = report.connections ?? {};
  const closed = `closed ${c.closedIdle ?? 0} idle, ${c.closedNeverUsed ?? 0} never used, ${c.closedAfterResponse ?? 0} after their response`;
  const cut = report.websockets?.cutAfterCloseTimeout ?? 0;
  // A client that never answered the close was cut on the protocol's normal path (RFC 6455 §7.1.1), not forced.
  const unanswered = cut > 0 ? ` (${cut} cut after not answering the close)` : "";
  const streams = `ended ${report.sse?.ended ?? 0} SSE, closed ${report.websockets?.closed ?? 0} WebSockets${unanswered}`;
  const forced = `forced ${c.forced ?? 0} connections, ${report.sse?.forced ?? 0} SSE, ${report.websockets?.forced ?? 0} WebSockets`;
  const failedHooks = (report.hooks ?? []).filter((hook) => hook.result !== "ok").map((hook) => `${hook.name} (${hook.result})`);
  const hooks = failedHooks.length === 0 ? "" : `; hooks not ok: ${failedHooks.join(", ")}`;
  const state = report.clean ? "clean" : "NOT clean";
  const crash = typeof report.error === "string" ? `; after a crash: ${report.error}` : "";
  const n = report.notify;
  // What ended notify tells whether traffic had moved (quiet, min) or was still coming (max, budget).
  const notify = n?.endedBy === undefined ? "" : `notify ${formatSeconds(n.durationMs ?? 0)} (ended by ${n.endedBy}); `;
  return `drain: pid ${pid} stopped ${state} in ${formatSeconds(report.durationMs)} (${report.mode}): ${notify}${closed}; ${streams}; ${forced}${hooks}${crash}`;
}

/** `drain: pid 4321 (node) serving: 2 requests, 3 idle` for `drain status`. */
export function formatStatus(status: StatusBody): string {
  // Serving but not ready yet (`startReady: false` before `ready()`): readiness answers 503, so say so.
  const phase = status.phase === "serving" && status.ready === false ? "serving (starting: not ready yet)" : status.phase;
  const n = status.notify;
  const notify =
    n === undefined || n === null ? "" : typeof n.endedBy === "string" ? `; notify ended by ${n.endedBy}` : typeof n.msToEnd === "number" ? `; notify ends in ${formatSeconds(n.msToEnd)} unless traffic arrives` : "";
  return `drain: pid ${status.pid} (${status.runtime}) ${phase}: ${formatCounts(status.counts)}${deadline(status.msToDeadline, "; ")}${notify}`;
}

const LABELS: readonly (readonly [key: string, label: string])[] = [
  ["requests", "requests in flight"],
  ["active", "active"],
  ["idle", "idle"],
  ["neverUsed", "never used"],
  ["closing", "closing"],
  ["upgraded", "upgraded"],
  ["sse", "SSE"],
  ["websockets", "WebSockets"],
];

/** Non-zero counts only, so a quiet server prints `nothing open`. */
export function formatCounts(counts: Counts): string {
  const parts = LABELS.filter(([key]) => (counts[key] ?? 0) > 0).map(([key, label]) => `${counts[key]} ${label}`);
  return parts.length === 0 ? "nothing open" : parts.join(", ");
}

/** `", deadline in 1.2 s"`, or nothing once there is no deadline (stopped). */
function deadline(ms: number | null, separator: string): string {
  return ms === null ? "" : `${separator}deadline in ${formatSeconds(ms)}`;
}
