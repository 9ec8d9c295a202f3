/**
 * Stand-ins for the `Deno` global, a `Deno.serve` server and a handler's `info`, so the adapter's logic
 * runs under any test runner. Real Deno behaviour is covered by the conformance suite.
 */
import type { DenoApi, HttpServer, ServeHandlerInfo } from "../deno-api.ts";

export interface FakeDeno {
  readonly deno: DenoApi;
  /** Signals with at least one listener. */
  listening(): string[];
  /** Deliver a signal to its listeners. */
  raise(signal: string): void;
  /** Resolves with the first exit code. */
  readonly exited: Promise<number>;
  readonly exits: number[];
  /** Environment keys read through `Deno.env.get`. */
  readonly envReads: string[];
}

export function fakeDeno(env: Record<string, string> = {}, granted: readonly string[] = []): FakeDeno {
  const listeners = new Map<string, Set<() => void>>();
  const exits: number[] = [];
  const envReads: string[] = [];
  let onExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (onExit = resolve));
  const deno: DenoApi = {
    version: { deno: "2.9.6" },
    pid: 4242,
    addSignalListener(signal, handler) {
      const set = listeners.get(signal) ?? new Set();
      set.add(handler);
      listeners.set(signal, set);
    },
    removeSignalListener(signal, handler) {
      listeners.get(signal)?.delete(handler);
    },
    exit(code = 0): never {
      exits.push(code);
      onExit(code);
      return undefined as never;
    },
    env: {
      get(key) {
        envReads.push(key);
        return env[key];
      },
    },
    permissions: {
      querySync: ({ variable }) => ({ state: granted.includes(variable) ? "granted" : "prompt" }),
    },
  };
  return {
    deno,
    listening: () => [...listeners].filter(([, set]) => set.size > 0).map(([signal]) => signal),
    raise(signal) {
      for (const listener of [...(listeners.get(signal) ?? [])]) listener();
    },
    exited,
    exits,
    envReads,
  };
}

export interface FakeServer {
  readonly server: HttpServer;
  shutdownCalls(): number;
  /** Resolves when `shutdown()` is first called. */
  readonly shutdownCalled: Promise<void>;
  /** Settle the promise `shutdown()` returned, as Deno does once every connection is closed. */
  settleShutdown(): void;
}

/** A server whose `shutdown()` is counted; like Deno's, it never settles while requests are open. */
export function fakeServer(): FakeServer {
  let calls = 0;
  let onShutdown: () => void = () => {};
  const shutdownCalled = new Promise<void>((resolve) => (onShutdown = resolve));
  let settleShutdown: () => void = () => {};
  const settled = new Promise<void>((resolve) => (settleShutdown = resolve));
  const server: HttpServer = {
    finished: settled,
    shutdown() {
      calls += 1;
      onShutdown();
      return settled;
    },
  };
  return { server, shutdownCalls: () => calls, shutdownCalled, settleShutdown: () => settleShutdown() };
}

export interface FakeInfo {
  readonly info: ServeHandlerInfo;
  /** Deno has sent the whole response. */
  complete(): void;
  /** Deno could not send the response (client gone). */
  interrupt(): void;
  /** How often `info.completed` was read. */
  completedReads(): number;
}

/**
 * A handler's `info`. Like Deno's, `completed` is made on its first read and settles only if it was read before
 * the response was sent: read afterwards, it never settles ("the completion signal fires only if someone cares").
 */
export function fakeInfo(): FakeInfo {
  let outcome: "open" | "sent" | "failed" = "open";
  let reads = 0;
  let completed: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;
  const info: ServeHandlerInfo = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50000 },
    get completed(): Promise<void> {
      reads += 1;
      if (completed === undefined) {
        let resolve: () => void = () => {};
        let reject: (error: Error) => void = () => {};
        const promise = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        completed = { promise, resolve, reject };
      }
      return completed.promise;
    },
  };
  const settle = (to: "sent" | "failed"): void => {
    if (outcome !== "open") return;
    outcome = to;
    if (to === "sent") completed?.resolve();
    else completed?.reject(new Error("Interrupted"));
  };
  return { info, complete: () => settle("sent"), interrupt: () => settle("failed"), completedReads: () => reads };
}
