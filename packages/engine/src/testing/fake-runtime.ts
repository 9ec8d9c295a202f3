import type { Capabilities } from "@drain/core";
import { createEngine, type EngineClock } from "../engine.ts";
import type { ControlEndpoint, ControlHandler, ControlListenerEvents } from "../control/types.ts";
import type { ConnectionCommand, CrashOrigin, DrainOptions, Engine, Logger, RuntimeBinding, SignalName } from "../types.ts";

/** A clock whose time moves only when a test says so; timers fire in order as it moves. */
export class FakeClock implements EngineClock {
  #now = 1_000;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, ms: number): unknown {
    const handle = this.#next++;
    this.#timers.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Background (unref'd) timers, counted apart: they fire as time moves like the others. */
  backgroundTimers = 0;

  setBackgroundTimer(callback: () => void, ms: number): void {
    this.backgroundTimers++;
    this.setTimer(callback, ms);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms`, firing due timers in order (each at its own time). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let soonest: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= target && (soonest === undefined || entry[1].at < soonest[1].at)) soonest = entry;
      if (soonest === undefined) break;
      this.#timers.delete(soonest[0]);
      this.#now = Math.max(this.#now, soonest[1].at);
      soonest[1].callback();
    }
    this.#now = target;
  }
}

export const ALL_CAPABILITIES: Capabilities = {
  closeConnection: true,
  forceConnection: true,
  seesNeverUsed: true,
  goaway: true,
  connectionClose: true,
};

/** A runtime that records what it was asked to do. */
export class FakeRuntime implements RuntimeBinding {
  readonly runtime: string = "fake";
  readonly pid: number = process.pid;
  readonly capabilities: Capabilities;
  readonly executed: ConnectionCommand[] = [];
  readonly signalListeners = new Map<SignalName, Set<() => void>>();
  readonly exits: number[] = [];
  /** The order of the last steps of a shutdown: `finish`, `control-closed`, `exit`. */
  readonly order: string[] = [];
  finished = 0;
  disposed = 0;
  /** What `serveControl` was handed, once the engine started a control endpoint. */
  control: { endpoint: ControlEndpoint; handler: ControlHandler; events: ControlListenerEvents; closed: number } | undefined;

  constructor(capabilities: Capabilities = ALL_CAPABILITIES) {
    this.capabilities = capabilities;
  }

  execute(command: ConnectionCommand): void {
    this.executed.push(command);
  }

  onSignal(signal: SignalName, listener: () => void): () => void {
    let set = this.signalListeners.get(signal);
    if (set === undefined) this.signalListeners.set(signal, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Deliver a signal the way the OS would: to every listener. */
  kill(signal: SignalName): void {
    for (const listener of [...(this.signalListeners.get(signal) ?? [])]) listener();
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.signalListeners.values()) n += set.size;
    return n;
  }

  /** Listeners of uncaught errors (the `crash` option). */
  readonly crashListeners = new Set<(error: unknown, origin: CrashOrigin) => void>();

  onCrash(listener: (error: unknown, origin: CrashOrigin) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  /** An uncaught error, the way the runtime would report it: to every listener. */
  crash(error: unknown, origin: CrashOrigin = "uncaughtException"): void {
    for (const listener of [...this.crashListeners]) listener(error, origin);
  }

  exit(code: number): void {
    this.order.push("exit");
    this.exits.push(code);
  }

  finish(): void {
    this.order.push("finish");
    this.finished++;
  }

  dispose(): void {
    this.disposed++;
  }

  /** sd_notify messages sent, as `socket: message`. */
  readonly notifications: string[] = [];

  notifySupervisor(socket: string, message: string): void {
    this.notifications.push(`${socket}: ${message}`);
  }

  serveControl(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents): { close(): Promise<void> } {
    const control = { endpoint, handler, events, closed: 0 };
    this.control = control;
    events.listening(endpoint.transport === "unix" ? `unix:${endpoint.path}` : `http://${endpoint.host}:${endpoint.port}`);
    return {
      close: () => {
        control.closed++;
        this.order.push("control-closed");
        return Promise.resolve();
      },
    };
  }
}

/** A logger that keeps its lines. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** Let promise callbacks and zero-delay timers run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * An engine on a fake clock and a fake runtime, logging to memory. `options` come after the logger, so a test can
 * still turn it off.
 */
export function fakeEngine<R extends FakeRuntime = FakeRuntime>(
  options: DrainOptions = {},
  runtime: R = new FakeRuntime() as R,
): { readonly clock: FakeClock; readonly runtime: R; readonly logger: ReturnType<typeof memoryLogger>; readonly engine: Engine } {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const engine = createEngine({ logger, ...options }, runtime, clock);
  return { clock, runtime, logger, engine };
}
