import { isReady, mode, phase, totals, type Counts, type Mode, type Report, type State } from "@drain/core";
import type { Emitter } from "../emitter.ts";
import { notifyStatusBody } from "../notify.ts";
import type { EngineEvents, Logger, RuntimeBinding } from "../types.ts";
import { createControlHandler } from "./handler.ts";
import type { ControlListener, ControlSettings, ControlShutdownRequest, ControlSource } from "./types.ts";

/** The parts of a running engine the control endpoint reads and drives. */
export interface ControlInternals {
  readonly settings: ControlSettings | undefined;
  readonly binding: RuntimeBinding;
  /** The engine's live core state (read only here). */
  readonly state: State;
  /** The mode a shutdown gets when none is asked for. */
  readonly configuredMode: Mode;
  readonly pid: number;
  now(): number;
  readonly emitter: Emitter<EngineEvents>;
  readonly log: Logger | false;
  /** The engine's `counts()`: what an adapter counted itself while serving joins the core's picture first. */
  counts(): Counts;
  msToDeadline(): number | undefined;
  msToBudgetEnd(): number | undefined;
  report(): Report | undefined;
  disposed(): boolean;
  shutdown(request: ControlShutdownRequest): Promise<Report>;
  reportError(error: unknown, context: string): void;
}

/** The engine's handle on its control endpoint. */
export interface AttachedControl {
  /** Close the listener (once; later calls return the same promise). Never rejects. */
  close(): Promise<void>;
  /** Whether a listener was started, so the engine knows to wait for it at exit. */
  readonly started: boolean;
}

/**
 * Start the control endpoint for one engine, when `control` is set: build what the handler reads, hand the
 * handler to the adapter's listener, and turn the listener's news into `control` and `error` events.
 *
 * @example
 * ```ts
 * const control = attachControl({ settings: settings.control, binding, state, … });
 * await control.close(); // after the report line of every POST /shutdown is out
 * ```
 */
export function attachControl(engine: ControlInternals): AttachedControl {
  const { settings, binding, emitter, log } = engine;
  let listener: ControlListener | undefined;
  let closed: Promise<void> | undefined;
  // Aborted first thing in close(): a request body still arriving is given up, so it cannot hold the exit.
  const closing = new AbortController();

  if (settings !== undefined && binding.serveControl !== undefined) {
    const handler = createControlHandler(settings, sourceOf(engine), closing.signal);
    try {
      // A runtime that binds synchronously reports from inside drain(): the app's listeners, added right
      // after drain() returns, must still hear it.
      listener = binding.serveControl(settings.endpoint, handler, {
        listening: (address) =>
          queueMicrotask(() => {
            if (log) log.info(`drain: control endpoint on ${address}`);
            emitter.emit("control", { address });
          }),
        failed: (error) => queueMicrotask(() => engine.reportError(error, "control endpoint")),
      });
    } catch (error) {
      queueMicrotask(() => engine.reportError(error, "control endpoint"));
    }
  }

  return {
    started: listener !== undefined,
    close: () => {
      closed ??= (async (): Promise<void> => {
        closing.abort();
        try {
          await listener?.close();
        } catch (error) {
          engine.reportError(error, "closing the control endpoint");
        }
      })();
      return closed;
    },
  };
}

/** What the control handler reads from the engine and asks of it. */
function sourceOf(engine: ControlInternals): ControlSource {
  const { state, emitter, log } = engine;
  return {
    runtime: engine.binding.runtime,
    pid: engine.pid,
    now: () => engine.now(),
    phase: () => phase(state),
    ready: () => isReady(state),
    mode: () => (phase(state) === "serving" ? engine.configuredMode : mode(state)),
    counts: () => engine.counts(),
    msToDeadline: () => engine.msToDeadline(),
    // The whole budget, cleanup hooks included: what a client waiting for the exit must allow for.
    msToBudgetEnd: () => engine.msToBudgetEnd(),
    totals: () => totals(state),
    notify: () => notifyStatusBody(state, engine.now()),
    report: () => engine.report(),
    disposed: () => engine.disposed(),
    shutdown: (request) => engine.shutdown(request),
    onPhase: (listener) => emitter.on("phase", ({ phase }) => listener(phase)),
    onProgress: (listener) => emitter.on("progress", listener),
    onReport: (listener) => emitter.on("report", listener),
    audit: (event) => {
      emitter.emit("audit", event);
      // Shutdowns and refusals are worth a line; status and metrics polls are not.
      if (log && (event.action === "shutdown" || event.status >= 400)) {
        log.info(`drain: control ${event.action} from ${event.peer.address}: ${event.result} (${event.status})`);
      }
    },
  };
}
