import { createCloseGate, type CloseGate } from "@drain/engine";

/**
 * Closes the listener at a moment no client is connecting. Closing a listening socket resets every connection the
 * kernel has accepted that Node has not taken yet, and during a drain every HTTP/1 response says
 * `Connection: close`, so busy clients reconnect after each response and one of them is often in that window
 * (16 undici keep-alive loops against the conformance fixture, the listener closed as soon as an event-loop turn
 * brought no new connection: a request written and then reset in about one run in 25 on a loaded machine).
 *
 * So, as on Bun and Deno (the engine's `CloseGate`), from `stop-accepting` until the listener has closed, an
 * HTTP/1 request that arrives waits before it reaches the app: a client waiting for its answer opens no new
 * connection. (Node cannot hold a response instead: `res.end()` fully uncorks its socket.) Once no request has
 * arrived, no connection was accepted and none closed for the gate's quiet period (at most 1 s, capped at
 * `keepAliveGraceMs`; with 0 it closes at once), the listener closes (`stop` still takes what is left in the
 * accept queue first), then the waiting requests reach the app and are answered with `Connection: close`; their
 * clients reconnect to a closed listener and are refused (`ECONNREFUSED`, safe to retry).
 */
export class ListenerGate {
  readonly #gate: CloseGate;
  #holding = false;
  #stop: (() => void) | undefined;
  #waiting: (() => void)[] = [];

  constructor(keepAliveGraceMs: unknown) {
    this.#gate = createCloseGate({ keepAliveGraceMs });
  }

  /** True from `close` until the listener has closed: requests that arrive wait (`defer`). */
  get holding(): boolean {
    return this.#holding;
  }

  /**
   * Wait for the quiet moment, then call `stop`, which closes the listener and calls its `closed` argument once it
   * did; the waiting requests go on then.
   */
  close(stop: (closed: () => void) => void): void {
    if (this.#holding) return;
    this.#holding = true;
    this.#stop = () => stop(() => this.#release());
    this.#gate.close(() => {
      this.#runStop();
      return true;
    });
  }

  /** A request arrived while holding: `dispatch` runs once the listener has closed, and the quiet starts again. */
  defer(dispatch: () => void): void {
    this.#waiting.push(dispatch);
    this.#gate.arrived();
  }

  /** A client may be about to connect (a connection was accepted or closed): the quiet starts again. */
  arrived(): void {
    if (this.#holding) this.#gate.arrived();
  }

  /** Stop waiting: close the listener now (the deadline, `dispose()`), so no request is left waiting. */
  now(): void {
    this.#gate.cancel();
    this.#runStop();
  }

  #runStop(): void {
    const stop = this.#stop;
    this.#stop = undefined;
    stop?.();
  }

  #release(): void {
    this.#holding = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const dispatch of waiting) dispatch();
  }
}
