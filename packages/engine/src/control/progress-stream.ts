import type { Report } from "@drain/core";
import { wholeMs } from "./responses.ts";
import type { ControlSource } from "./types.ts";

const encoder = new TextEncoder();

export interface ProgressStreamOptions {
  /** The request joined a shutdown already under way. */
  readonly joined: boolean;
  /**
   * Starts (or escalates) the shutdown. Called after the stream listens, so no line of it is missed. When the
   * promise it returns rejects (the engine was disposed), the stream ends with an `error` line instead of hanging.
   */
  readonly start: () => Promise<unknown> | undefined;
}

/**
 * The NDJSON body of `POST /shutdown`: an `accepted` line, a `progress` line at every phase change and progress
 * tick, and the `report` line, after which the stream ends. Lines are enqueued as they happen; a client that
 * goes away only stops the lines, never the shutdown. Every `accepted` and `progress` line carries
 * `msToDeadline` (to the force deadline) and `msToBudgetEnd` (to the end of the whole budget, cleanup hooks
 * included: what a client waiting for the exit must allow for). A shutdown that could not start ends the stream
 * with `{"type":"error","error":{"code","message"}}`.
 *
 * @example
 * ```ts
 * const body = progressStream(source, { joined: false, start: () => source.shutdown({}) });
 * return new Response(body, { status: 202, headers: { "content-type": "application/x-ndjson" } });
 * ```
 */
export function progressStream(source: ControlSource, options: ProgressStreamOptions): ReadableStream<Uint8Array> {
  const unsubscribe: (() => void)[] = [];
  const stop = (): void => {
    for (const off of unsubscribe.splice(0)) off();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const pending: object[] = [];
      let started = false;
      const write = (line: object): void => {
        if (!open) return;
        if (!started) {
          pending.push(line);
          return;
        }
        controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      };
      const last = (line: object): void => {
        write(line);
        if (!open) return;
        open = false;
        stop();
        if (started) controller.close();
      };
      const end = (report: Report): void => last({ type: "report", pid: source.pid, report });
      const failed = (error: unknown): void => {
        const code = (error as { code?: unknown } | null)?.code;
        last({ type: "error", error: { code: typeof code === "string" ? code : "ERR_DRAIN_CONTROL_FAILED", message: error instanceof Error ? error.message : String(error) } });
      };
      const budgetEnd = (): number | null => wholeMs(source.msToBudgetEnd());
      unsubscribe.push(
        source.onPhase((phase) => write({ type: "progress", phase, counts: source.counts(), msToDeadline: wholeMs(source.msToDeadline()), msToBudgetEnd: budgetEnd() })),
        source.onProgress(({ counts, msToDeadline }) => write({ type: "progress", phase: source.phase(), counts, msToDeadline: wholeMs(msToDeadline), msToBudgetEnd: budgetEnd() })),
        source.onReport(end),
      );
      // Starting may run the whole shutdown at once (nothing open, immediate): its lines wait behind `accepted`.
      options.start()?.catch(failed);
      const accepted = {
        type: "accepted",
        pid: source.pid,
        mode: source.mode(),
        phase: source.phase(),
        msToDeadline: wholeMs(source.msToDeadline()),
        msToBudgetEnd: budgetEnd(),
        ...(options.joined ? { joined: true } : {}),
      };
      started = true;
      controller.enqueue(encoder.encode(`${JSON.stringify(accepted)}\n`));
      for (const line of pending.splice(0)) controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      const report = source.report();
      // Joined after the report: it is the only line left. Ended before `accepted` was out: close now.
      if (open && report !== undefined) end(report);
      else if (!open) controller.close();
    },
    cancel() {
      stop();
    },
  });
}
