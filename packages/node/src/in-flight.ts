import type { ServerResponse } from "node:http";

/**
 * The HTTP/1.1 responses in flight on one connection, oldest first (pipelined responses go out in that order).
 * Without pipelining there is never more than one, so it is kept in a field and an array is used only for
 * pipelined ones: a Set that gains and loses an entry on every request compacts its table every few requests,
 * and this runs on every request.
 */
export class InFlightResponses {
  #first: ServerResponse | undefined = undefined;
  /** Responses that arrived while an older one was in flight, oldest first; made only then (one object less to reach). */
  #more: ServerResponse[] | undefined = undefined;

  has(response: ServerResponse): boolean {
    return this.#first === response || (this.#more !== undefined && this.#more.includes(response));
  }

  add(response: ServerResponse): void {
    if (this.#first === undefined && (this.#more === undefined || this.#more.length === 0)) this.#first = response;
    else (this.#more ??= []).push(response);
  }

  /** Forget `response`; false when it was not here. */
  delete(response: ServerResponse): boolean {
    if (this.#first === response) {
      this.#first = undefined;
      return true;
    }
    const index = this.#more === undefined ? -1 : this.#more.indexOf(response);
    if (index === -1) return false;
    this.#more?.splice(index, 1);
    return true;
  }

  /** The response the client reads first. */
  oldest(): ServerResponse | undefined {
    return this.#first ?? this.#more?.[0];
  }

  /** Forget the oldest response (the one `oldest()` returned). */
  shift(): void {
    if (this.#first !== undefined) this.#first = undefined;
    else this.#more?.shift();
  }

  /** Visit each response, oldest first, without the iterator object a `for...of` makes (the shutdown visits every connection's). */
  forEach(visit: (response: ServerResponse) => void): void {
    if (this.#first !== undefined) visit(this.#first);
    this.#more?.forEach((response) => visit(response));
  }

  /** The response the client will read last: the one that may carry `Connection: close` without losing another. */
  newest(): ServerResponse | undefined {
    const more = this.#more;
    return more !== undefined && more.length !== 0 ? more[more.length - 1] : this.#first;
  }

  get size(): number {
    return (this.#first === undefined ? 0 : 1) + (this.#more === undefined ? 0 : this.#more.length);
  }

  *[Symbol.iterator](): IterableIterator<ServerResponse> {
    if (this.#first !== undefined) yield this.#first;
    if (this.#more !== undefined) yield* [...this.#more];
  }
}
