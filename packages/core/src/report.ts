import { notifyReport } from "./notify.ts";
import type { State } from "./state.ts";
import type { PhaseReport, Report } from "./types.ts";

/** The final report, built from the counters bumped next to each command. */
export function buildReport(state: State): Report {
  const now = state.now;
  const { stats } = state;
  const phases: PhaseReport[] = state.phaseLog.map((entry, i) => {
    const next = state.phaseLog[i + 1];
    return { phase: entry.phase, startedAt: entry.at, durationMs: (next === undefined ? now : next.at) - entry.at };
  });
  const hooksFailed = state.hookReports.some((hook) => hook.result === "error" || hook.result === "timeout");
  // Every forced entity is counted in exactly one of these; the first FORCED_ITEMS_LIMIT are also listed.
  const forcedTotal = stats.forced + stats.sseForced + stats.wsForced;
  const notify = notifyReport(state);
  const report: Report = {
    mode: state.mode,
    reason: state.reason,
    clean: forcedTotal === 0 && !hooksFailed,
    escalated: state.escalated,
    requestedAt: state.requestedAt,
    stoppedAt: now,
    durationMs: now - state.requestedAt,
    phases,
    connections: {
      closedIdle: stats.closedIdle,
      closedNeverUsed: stats.closedNeverUsed,
      closedAfterResponse: stats.closedAfterResponse,
      forced: stats.forced,
    },
    sse: { ended: stats.sseEnded, forced: stats.sseForced },
    websockets: { closed: stats.wsClosed, cutAfterCloseTimeout: stats.wsCutAfterCloseTimeout, forced: stats.wsForced },
    requestsDuringShutdown: stats.requestsDuringShutdown,
    hooks: state.hookReports.slice(),
    forcedItems: state.forcedItems.slice(),
    forcedItemsLeftOut: forcedTotal - state.forcedItems.length,
    ...(notify === undefined ? {} : { notify }),
  };
  return state.crashError === undefined ? report : { ...report, error: state.crashError };
}
