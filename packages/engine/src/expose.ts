import type { Engine } from "./types.ts";

/**
 * The one way an adapter hands out its engine: every member of {@link Engine}, forwarded (the getters stay live),
 * with the adapter's own members added or put in place of the engine's.
 *
 * @example
 * ```ts
 * return exposeEngine(engine, {
 *   wrap: (options) => wrapOptions(options),
 *   get bun() { return server === undefined ? undefined : { server }; },
 * });
 * ```
 */
export function exposeEngine<X extends object>(engine: Engine, extras: X): Omit<Engine, keyof NoInfer<X>> & NoInfer<X> {
  const exposed: Engine = {
    get signal() {
      return engine.signal;
    },
    get phase() {
      return engine.phase;
    },
    get stopped() {
      return engine.stopped;
    },
    get track() {
      return engine.track;
    },
    counts: () => engine.counts(),
    msToDeadline: () => engine.msToDeadline(),
    shutdown: (shutdownOptions) => engine.shutdown(shutdownOptions),
    onShutdown: (name, hook, hookOptions) => engine.onShutdown(name, hook, hookOptions),
    on: (event, listener) => engine.on(event, listener),
    readiness: (request) => engine.readiness(request),
    ready: () => engine.ready(),
    liveness: (request) => engine.liveness(request),
    sse: (start, sseOptions) => engine.sse(start, sseOptions),
    websocket: (socket, socketOptions) => engine.websocket(socket, socketOptions),
    dispose: () => engine.dispose(),
  };
  // Descriptors, not values: an adapter's getters (the attached server) must stay getters.
  return Object.defineProperties(exposed, Object.getOwnPropertyDescriptors(extras)) as unknown as Omit<Engine, keyof X> & X;
}
