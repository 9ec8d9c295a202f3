import type { Counts, Phase, Report } from "@drain/core";

const PHASES: readonly Phase[] = ["serving", "notify", "drain", "force", "cleanup", "stopped"];

/** What the metrics are made of: one snapshot of the engine. */
export interface MetricsSnapshot {
  readonly phase: Phase;
  readonly counts: Counts;
  readonly msToDeadline: number | undefined;
  readonly requestsDuringShutdown: number;
  readonly forced: number;
  readonly report: Report | undefined;
}

/**
 * The Prometheus text exposition format (version 0.0.4) of one snapshot.
 *
 * @example
 * ```ts
 * new Response(prometheusText(snapshot), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
 * ```
 */
export function prometheusText(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  const family = (name: string, type: "gauge" | "counter", help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family("drain_phase", "gauge", "Shutdown phase: 1 for the current one, 0 for the others.");
  for (const phase of PHASES) lines.push(`drain_phase{phase="${phase}"} ${phase === snapshot.phase ? 1 : 0}`);
  family("drain_connections", "gauge", "What is open right now, by kind.");
  for (const [kind, count] of Object.entries(snapshot.counts)) lines.push(`drain_connections{kind="${kind}"} ${count}`);
  family("drain_requests_served_during_drain_total", "counter", "Requests that started after the shutdown was requested.");
  lines.push(`drain_requests_served_during_drain_total ${snapshot.requestsDuringShutdown}`);
  family("drain_forced_closes_total", "counter", "Connections, SSE streams and WebSockets destroyed instead of closed cleanly.");
  lines.push(`drain_forced_closes_total ${snapshot.forced}`);
  if (snapshot.msToDeadline !== undefined) {
    family("drain_seconds_to_deadline", "gauge", "Seconds until whatever remains is forced.");
    lines.push(`drain_seconds_to_deadline ${seconds(snapshot.msToDeadline)}`);
  }
  if (snapshot.report !== undefined) {
    family("drain_phase_duration_seconds", "gauge", "How long each phase of the finished shutdown lasted.");
    for (const phase of snapshot.report.phases) lines.push(`drain_phase_duration_seconds{phase="${phase.phase}"} ${seconds(phase.durationMs)}`);
    family("drain_shutdown_duration_seconds", "gauge", "From the shutdown request to stopped.");
    lines.push(`drain_shutdown_duration_seconds ${seconds(snapshot.report.durationMs)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
