/** A listener as emitters declare it; `any` is what lets every typed emitter (sockets, sessions, ws) fit. */
type AnyListener = (...args: any[]) => void;

/** Anything with Node's EventEmitter listener methods. */
export interface Emitter {
  on(event: string, listener: AnyListener): unknown;
  prependListener?(event: string, listener: AnyListener): unknown;
  off(event: string, listener: AnyListener): unknown;
}

export interface ListenOptions {
  /** Run before listeners added earlier (our bookkeeping must happen before the user's handler). */
  readonly prepend?: boolean;
  /** Remove the listener after its first call. */
  readonly once?: boolean;
}

/**
 * Every listener the adapter adds, so that `dispose()` can take each one off again.
 * A `once` listener forgets itself when it fires, so long-lived servers do not accumulate entries.
 */
export class Listeners {
  readonly #offs = new Set<() => void>();

  /** Add `listener` to `emitter`; returns the function that removes it. */
  on<A extends unknown[]>(
    emitter: Emitter,
    event: string,
    listener: (...args: A) => void,
    options: ListenOptions = {},
  ): () => void {
    // Only a `once` listener is wrapped: the emitter calls any other one directly (a socket's listener runs per connection).
    const wrapped =
      options.once === true
        ? (...args: A): void => {
            off();
            listener(...args);
          }
        : listener;
    const off = (): void => {
      if (!this.#offs.delete(off)) return;
      emitter.off(event, wrapped as AnyListener);
    };
    this.#offs.add(off);
    if (options.prepend === true && typeof emitter.prependListener === "function") {
      emitter.prependListener(event, wrapped as AnyListener);
    } else {
      emitter.on(event, wrapped as AnyListener);
    }
    return off;
  }

  /** Remember an arbitrary undo step (a restored property, a signal listener) to run at `clear()`. */
  add(undo: () => void): () => void {
    const off = (): void => {
      if (this.#offs.delete(off)) undo();
    };
    this.#offs.add(off);
    return off;
  }

  /** Remove everything added so far. */
  clear(): void {
    for (const off of [...this.#offs]) off();
  }

  get size(): number {
    return this.#offs.size;
  }
}
