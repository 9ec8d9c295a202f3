import type { Counts, Phase, Report } from "@drain/core";

/** The words of the default progress lines, kept apart from the wiring so they read as a whole. */

/** `1.2 s`: how every log line says a duration. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function phaseLine(phase: Phase, reason: string, msToDeadline: number | undefined): string | undefined {
  const deadline = msToDeadline === undefined ? "" : ` (deadline in ${seconds(msToDeadline)})`;
  switch (phase) {
    case "notify":
      return `drain: ${reason}: readiness now fails, still serving${deadline}`;
    case "drain":
      return `drain: draining${deadline}`;
    case "force":
      return "drain: forcing what remains";
    case "cleanup":
      return "drain: running cleanup hooks";
    default:
      return undefined;
  }
}

export function progressLine(counts: Counts, msToDeadline: number): string {
  const parts = [
    plural(counts.requests, "request"),
    `${counts.sse} SSE`,
    plural(counts.websockets, "WebSocket"),
  ];
  if (counts.idle + counts.neverUsed > 0) parts.push(`${counts.idle + counts.neverUsed} idle`);
  return `drain: ${parts.join(", ")} left, ${seconds(msToDeadline)} to deadline`;
}

export function summaryLine(report: Report): string {
  const c = report.connections;
  const closed = `closed ${c.closedIdle} idle, ${c.closedNeverUsed} never used, ${c.closedAfterResponse} after their response`;
  const cut = report.websockets.cutAfterCloseTimeout;
  const streams =
    `${report.sse.ended} SSE ended, ${plural(report.websockets.closed, "WebSocket")} closed with 1001` +
    (cut > 0 ? ` (${cut} cut after no answer within wsCloseTimeoutMs)` : "");
  const forced = c.forced + report.sse.forced + report.websockets.forced;
  const hooksFailed = report.hooks.filter((hook) => hook.result !== "ok").map((hook) => `${hook.name} ${hook.result}`);
  const tail = [
    `${forced} forced`,
    ...(hooksFailed.length > 0 ? [`hooks: ${hooksFailed.join(", ")}`] : []),
    ...(report.error !== undefined ? [`after a crash: ${report.error}`] : []),
  ];
  const notify = report.notify === undefined ? "" : `notify ${seconds(report.notify.durationMs)} (ended by ${report.notify.endedBy}); `;
  return `drain: stopped in ${seconds(report.durationMs)}, ${report.clean ? "clean" : "NOT clean"}: ${notify}${closed}; ${streams}; ${tail.join("; ")}`;
}
