import type { ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";
import type { ServerResponse } from "node:http";
import { servedRecord, type Id, type Served } from "@drain/core";
import { InFlightResponses } from "./in-flight.ts";

/** One client connection as the adapter sees it: an HTTP/1.1 socket or an HTTP/2 session. */
export interface Connection extends Served {
  /** The engine id. An HTTP/2 connection gets a new one when its session appears (see `ConnectionTable.promote`). */
  id: Id;
  kind: "http1" | "http2";
  /** The socket Node accepted. Destroying it always ends the connection, TLS or not (docs/runtime-facts.md, "Node: sockets, TLS sockets and HTTP/2 sessions"). */
  readonly raw: Socket;
  /** The TLS socket wrapping `raw`, once its handshake is done. Requests see this one as `req.socket`. */
  tls: Socket | undefined;
  session: ServerHttp2Session | undefined;
  /**
   * HTTP/1.1 responses in flight that drain follows. While serving, only pipelined ones and those in flight when
   * the core last read the connection (serving.ts); after, every one.
   */
  readonly responses: InFlightResponses;
  /** The response that carries the `Connection: close` drain asked for (see `markNewest`). */
  marked: ServerResponse | undefined;
  /** `mark-closing` arrived: every response on this connection, now or later, gets `Connection: close`. */
  closing: boolean;
  gone: boolean;
  /** `bytesRead` of its request socket at the last look while serving (serving.ts). */
  seenBytes: number;
  /** The look that first found it quiet since it was last busy, undefined when none has yet (serving.ts). */
  quietSince: number | undefined;
  /**
   * `addressKey(raw)` taken at accept, where TLS sockets or sessions may need it (a destroyed socket may no longer
   * know its peer); undefined on a plain `http.Server`.
   */
  readonly key: string | undefined;
}

/** `remoteAddress|remotePort`: how a TLS socket or an HTTP/2 session finds the raw socket it runs on. */
export function addressKey(socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined }): string | undefined {
  const address = socket.remoteAddress;
  const port = socket.remotePort;
  return address === undefined || port === undefined ? undefined : `${address}|${port}`;
}

/** What a connection's `Served` fields start as; copied into each record, never handed out. */
const FRESH: Served = servedRecord();

/** Lookups from ids, sockets and sessions to connections. Holds no listeners. */
export class ConnectionTable {
  readonly #byId = new Map<Id, Connection>();
  /**
   * Which connection a socket, TLS socket or session belongs to. A WeakMap, not a property on the socket: a
   * property gives every recorded socket a hidden class Node's own sockets do not have, and Node's code that reads
   * sockets then sees two kinds where it saw one. Measured with 10,000 idle sockets destroyed at a signal (the
   * bench's scale part on Node 20, 16 runs a side): the destroys took a median 17 ms longer than Node's own stop's
   * with a property, 5 ms shorter with this WeakMap. A lookup costs about 30 ns, and while serving no request
   * makes one (serving.ts).
   */
  readonly #links = new WeakMap<object, Connection>();
  /** Only where TLS sockets or HTTP/2 sessions occur: taking a socket's address costs a system call. */
  readonly #byAddress: Map<string, Connection> | undefined;

  readonly #secure: boolean;

  /**
   * `byAddress`: whether TLS sockets and sessions must find their raw socket by address (not a plain
   * `http.Server`). `secure`: whether requests arrive on TLS sockets (an HTTPS or secure HTTP/2 server).
   */
  constructor(byAddress = true, secure = false) {
    this.#byAddress = byAddress ? new Map() : undefined;
    this.#secure = secure;
  }

  /** `linked`: whether `raw` finds it at once (see `AdapterContext.open`); otherwise `link` it later. */
  create(raw: Socket, kind: "http1" | "http2", id: Id, linked = true): Connection {
    const key = this.#byAddress === undefined ? undefined : addressKey(raw);
    // Its own `Served` record (the core's counts while serving): one object less to reach on every request. Each
    // field written out, not spread: a literal keeps every field inside the object, a spread may not. Thousands are
    // made at once at a signal (serving.ts), so no throwaway record per connection either.
    const connection: Connection = {
      state: FRESH.state,
      inflight: FRESH.inflight,
      last: FRESH.last,
      id,
      kind,
      raw,
      tls: undefined,
      session: undefined,
      responses: new InFlightResponses(),
      marked: undefined,
      closing: false,
      gone: false,
      seenBytes: 0,
      quietSince: undefined,
      key,
    };
    this.#byId.set(id, connection);
    if (linked) this.link(raw, connection);
    if (key !== undefined) this.#byAddress?.set(key, connection);
    return connection;
  }

  /** Give `connection` a new id (an accepted socket that turned out to carry an HTTP/2 session). */
  rekey(connection: Connection, id: Id): void {
    this.#byId.delete(connection.id);
    connection.id = id;
    this.#byId.set(id, connection);
  }

  /** Let `object` (a TLS socket, a session) find `connection` directly from now on. */
  link(object: object, connection: Connection): void {
    this.#links.set(object, connection);
  }

  /** Take the records off their sockets and sessions (dispose): a socket that outlives the drain keeps none alive. */
  unlinkAll(): void {
    this.#byId.forEach((connection) => {
      for (const object of [connection.raw, connection.tls, connection.session]) {
        if (object !== undefined && this.known(object) === connection) this.#links.delete(object);
      }
    });
  }

  byId(id: Id): Connection | undefined {
    return this.#byId.get(id);
  }

  /**
   * The connection this object was registered or linked for (never guessed from an address). Node's HTTP/2 socket
   * proxies (`session.socket`, a compat `req.socket`) are objects of their own: `find` takes those by address.
   */
  known(object: object): Connection | undefined {
    return this.#links.get(object);
  }

  /** The connection a socket, TLS socket or session belongs to; TLS sockets and session sockets fall back to their address. */
  find(object: object): Connection | undefined {
    const direct = this.known(object);
    if (direct !== undefined) return direct;
    if (this.#byAddress === undefined) return undefined;
    const key = addressKey(object as Socket);
    const found = key === undefined ? undefined : this.#byAddress.get(key);
    if (found !== undefined && !found.gone) {
      this.link(object, found);
      return found;
    }
    return undefined;
  }

  /** Forget a connection that closed. */
  remove(connection: Connection): void {
    connection.gone = true;
    this.#byId.delete(connection.id);
    const key = connection.key;
    if (key !== undefined && this.#byAddress?.get(key) === connection) this.#byAddress.delete(key);
  }

  all(): Connection[] {
    return [...this.#byId.values()];
  }

  /** The socket an HTTP/1 connection's requests arrive on: on a TLS server the TLS one, once its handshake is done. */
  requestSocket(connection: Connection): Socket | undefined {
    return connection.tls ?? (this.#secure ? undefined : connection.raw);
  }

  /** Visit every connection, without the copy `all()` makes (nothing may be added or removed meanwhile). */
  forEach(visit: (connection: Connection) => void): void {
    // Map's forEach makes no iterator result per connection: this runs over every connection at a signal, once,
    // unoptimized. `visit` itself, not a wrapper: one call per connection, not two.
    this.#byId.forEach(visit);
  }
}
