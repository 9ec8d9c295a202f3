/**
 * What the three adapters' control listeners share, in web-standard code only: each adapter passes in the
 * few operations its runtime does differently (stat, connect, unlink, umask, chmod, stop).
 */
import { drainError, type DrainError } from "@drain/core";
import type { ControlEndpoint, ControlListener, ControlListenerEvents, ControlPeer } from "./types.ts";

/** How long `close()` lets control answers still being written (a report line on a slow client) finish. */
export const CLOSE_GRACE_MS = 2_000;
/**
 * Connections a control listener holds at once; more are closed as they arrive. A supervisor and a person at a
 * terminal need one or two; the rest is room for a status poll racing a shutdown.
 */
export const MAX_CONTROL_CONNECTIONS = 16;

/**
 * How long a control connection may stall, in every runtime that lets a listener bound it: `headMs` for the
 * request (head and body) to arrive from the moment the connection opens, `idleMs` between two requests on a
 * kept-alive connection, `checkEveryMs` how often the runtime looks (so a stalled connection is cut within
 * `headMs + checkEveryMs`). Measured on Node 20, Bun 1.4.5 and Deno 2.9.6 with `node:http`: a silent or
 * half-sent head is cut at 2.0-2.5 s of a 2 s limit, and a kept-alive connection idle after its answer at 3.0 s
 * (the next request's head limit ends it before `idleMs` would). A shutdown's answer, once it streams, is never
 * cut by these.
 */
export const CONTROL_TIMEOUTS: { readonly headMs: number; readonly idleMs: number; readonly checkEveryMs: number } = {
  headMs: 3_000,
  idleMs: 2_000,
  checkEveryMs: 500,
};

/** Owner read and write only: the control socket is as private as the process's own files. */
export const OWNER_ONLY = 0o600;

/**
 * The endpoint as people write it: the socket path, or `host:port`.
 *
 * @example
 * ```ts
 * describeEndpoint({ transport: "tcp", host: "127.0.0.1", port: 9090 }); // "127.0.0.1:9090"
 * ```
 */
export function describeEndpoint(endpoint: ControlEndpoint): string {
  return endpoint.transport === "unix" ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

/**
 * The error for an endpoint another process listens on (the adapter decides that its runtime's error means
 * "address in use"; `cause` keeps that error).
 *
 * @example
 * ```ts
 * events.failed(isAddrInUse(error) ? controlInUseError(endpoint, error) : error);
 * ```
 */
export function controlInUseError(endpoint: ControlEndpoint, cause?: unknown): DrainError {
  const error = drainError(
    "ERR_DRAIN_CONTROL_IN_USE",
    `another process is listening on ${describeEndpoint(endpoint)}; stop it or give the control endpoint another ${endpoint.transport === "unix" ? "socket path" : "port"}.`,
  );
  if (cause !== undefined) Object.defineProperty(error, "cause", { value: cause, enumerable: false });
  return error;
}

/**
 * Who sent a request: `"unix"` on a Unix socket (it has no peer address), else the remote IP as the runtime saw it.
 *
 * @example
 * ```ts
 * const peer = peerOf(endpoint, req.socket.remoteAddress);
 * ```
 */
export function peerOf(endpoint: ControlEndpoint, remote: string | undefined): ControlPeer {
  return endpoint.transport === "unix" ? { address: "unix", transport: "unix" } : { address: remote ?? "", transport: "tcp" };
}

/** The runtime's file and socket operations `replaceStaleSocket` needs. */
export interface StaleSocketOps {
  /** Whether `path` is a socket; `undefined` when nothing is there any more. */
  isSocket(path: string): Promise<boolean | undefined> | boolean | undefined;
  /** Connect to `path`: `true` when something answered, `false` when refused; throws on any other error. */
  probe(path: string): Promise<boolean>;
  /** Remove the file; one already gone is fine. */
  remove(path: string): Promise<void> | void;
}

/**
 * Make a bind that failed with "address in use" on a Unix socket path possible again: a socket file left by a
 * crashed process (connecting is refused) is removed; a file that vanished meanwhile needs nothing. Rejects with
 * `ERR_DRAIN_CONTROL_IN_USE` when a live process answers there, or when the path is not a socket.
 *
 * @example
 * ```ts
 * await replaceStaleSocket(path, { isSocket: …, probe: …, remove: … });
 * listen(); // again
 * ```
 */
export async function replaceStaleSocket(path: string, ops: StaleSocketOps): Promise<void> {
  const socket = await ops.isSocket(path);
  if (socket === undefined) return;
  if (!socket) throw drainError("ERR_DRAIN_CONTROL_IN_USE", `${path} exists and is not a socket; remove it or give the control endpoint another socket path.`);
  if (await ops.probe(path)) throw controlInUseError({ transport: "unix", path });
  // Left by a process that died without closing it.
  await ops.remove(path);
}

/** What `listenReplacingStale` needs from a runtime besides its listen call. */
export interface ListenRetry {
  /** This runtime's "address in use" error. */
  isAddrInUse(error: unknown): boolean;
  readonly stale: StaleSocketOps;
  /** `close()` ran meanwhile: do not listen again. */
  isClosed(): boolean;
  failed(error: unknown): void;
}

/**
 * Listen; when a Unix socket path is taken, replace it if it is a stale file from a crash and listen once more.
 * Any other failure, or a path a live process owns, goes to `failed` (address in use as `ERR_DRAIN_CONTROL_IN_USE`).
 *
 * @example
 * ```ts
 * listenReplacingStale(endpoint, () => listen(), { isAddrInUse, stale, isClosed: () => closed, failed: events.failed });
 * ```
 */
export function listenReplacingStale(endpoint: ControlEndpoint, listen: () => Promise<void>, retry: ListenRetry): void {
  const fail = (error: unknown): void => retry.failed(retry.isAddrInUse(error) ? controlInUseError(endpoint, error) : error);
  listen().catch((error: unknown) => {
    if (endpoint.transport !== "unix" || !retry.isAddrInUse(error)) {
      fail(error);
      return;
    }
    replaceStaleSocket(endpoint.path, retry.stale)
      .then(() => (retry.isClosed() ? undefined : listen()))
      .catch(fail);
  });
}

/** What a runtime whose serve call returns a server object (Bun, Deno) gives `serveBoundControl`. */
export interface BoundControlServer<S> {
  /** One bind attempt (a Unix socket through `bindPrivately`); rejects with the runtime's error. */
  bind(): Promise<S> | S;
  /** How the `listening` event names the endpoint: `unix:<path>` or the URL origin. */
  address(server: S): string;
  unref(server: S): void;
  /** Stop a server that `close()` overtook while it was binding (nothing was answered on it yet). */
  discard(server: S): Promise<void>;
  /** The runtime's close: let answers in flight out (see `closeWithGrace`), then stop. Never rejects. */
  close(server: S): Promise<void>;
  isAddrInUse(error: unknown): boolean;
  readonly stale: StaleSocketOps;
}

/**
 * The lifecycle Bun's and Deno's control listeners share: bind (once more after replacing a stale socket file),
 * stop a server that `close()` overtook while binding, unref it so it never keeps a finished process alive,
 * announce it, and close it once however often `close()` is called.
 *
 * @example
 * ```ts
 * return serveBoundControl(endpoint, events, { bind, address, unref, discard, close, isAddrInUse, stale });
 * ```
 */
export function serveBoundControl<S>(endpoint: ControlEndpoint, events: ControlListenerEvents, ops: BoundControlServer<S>): ControlListener {
  let server: S | undefined;
  let closed = false;
  const listen = async (): Promise<void> => {
    const bound = await ops.bind();
    server = bound;
    // close() came while the bind was settling and found nothing to close.
    if (closed) {
      await ops.discard(bound);
      return;
    }
    ops.unref(bound);
    events.listening(ops.address(bound));
  };
  listenReplacingStale(endpoint, listen, { isAddrInUse: ops.isAddrInUse, stale: ops.stale, isClosed: () => closed, failed: events.failed });

  let closing: Promise<void> | undefined;
  return {
    close(): Promise<void> {
      closed = true;
      closing ??= server === undefined ? Promise.resolve() : ops.close(server);
      return closing;
    },
  };
}

/**
 * Bind a Unix socket that is mode 0600 from its first moment: `umask` (0177) is held around `bind` when the
 * runtime allows it (`umask` undefined or throwing means it does not); otherwise `chmod` runs right after the
 * bind, in the same turn. When that chmod fails, the bound server is not left listening with a wider mode and no
 * handle on it: `unbind` runs first, then the error is thrown.
 *
 * @example
 * ```ts
 * const server = await bindPrivately((m) => process.umask(m), () => chmodSync(path, OWNER_ONLY), () => listen(path), (s) => s.close());
 * ```
 */
export async function bindPrivately<T>(
  umask: ((mask: number) => number) | undefined,
  chmod: () => void,
  bind: () => T,
  unbind: (bound: T) => Promise<void> | void,
): Promise<T> {
  let previous: number | undefined;
  try {
    previous = umask?.(0o177);
  } catch {
    // Not allowed here (Node worker threads, Deno without --allow-sys): chmod after the bind instead.
  }
  let bound: T;
  try {
    bound = bind();
  } finally {
    if (previous !== undefined) umask?.(previous);
  }
  if (previous === undefined) {
    try {
      chmod();
    } catch (error) {
      await unbind(bound);
      throw error;
    }
  }
  return bound;
}

/** The file operations {@link bindViaPrivateDir} needs (`node:fs`'s, on every runtime). */
export interface PrivateBindOps {
  /** Make a new directory, mode 0700, named `prefix` plus random characters; returns its path. */
  mkdtemp(prefix: string): string;
  chmod(path: string, mode: number): void;
  /** Hard-link `existing` to `path`; fails with `EEXIST` when anything (a symlink included) is at `path`. */
  link(existing: string, path: string): void;
  unlink(path: string): void;
  rmdir(path: string): void;
}

/** Unix socket paths are limited by `sockaddr_un.sun_path` (108 bytes on Linux, 104 on macOS, one for the NUL). */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * Bind a Unix socket at `path` with mode 0600 where the umask cannot be changed (Node worker threads, Deno without
 * `--allow-sys`), leaving no moment in which a symlink raced into `path`'s directory could redirect the `chmod`:
 * the socket is bound under a name inside a fresh private directory (mode 0700) next to `path`, chmod-ed there,
 * where nobody else can reach it, and hard-linked to `path`. `link` neither follows nor replaces what is at `path`:
 * anything there fails the bind as "address in use" (`EADDRINUSE`), so the stale-socket check decides. The private
 * name and directory are removed either way; a failed bind is unbound first.
 *
 * @example
 * ```ts
 * const server = await bindViaPrivateDir(path, { mkdtemp: mkdtempSync, chmod: chmodSync, link: linkSync, unlink: unlinkSync, rmdir: rmdirSync },
 *   (at) => server.listen(at), () => new Promise((done) => server.close(() => done())));
 * ```
 */
export async function bindViaPrivateDir<T>(path: string, ops: PrivateBindOps, bind: (at: string) => T, unbind: (bound: T) => Promise<void> | void): Promise<T> {
  const dir = ops.mkdtemp(`${path.slice(0, path.lastIndexOf("/") + 1)}.drain-`);
  const hidden = `${dir}/s`;
  let bound: T | undefined;
  try {
    if (new TextEncoder().encode(hidden).length > MAX_SOCKET_PATH_BYTES) {
      throw drainError("ERR_DRAIN_INVALID_OPTION", `control.socket ${path} is too long to bind privately without a umask; use a shorter path, or allow the umask (Deno: --allow-sys).`);
    }
    bound = bind(hidden);
    ops.chmod(hidden, OWNER_ONLY);
    try {
      ops.link(hidden, path);
    } catch (error) {
      if ((error as { code?: string } | null)?.code !== "EEXIST") throw error;
      throw Object.assign(new Error(`${path} already exists`), { code: "EADDRINUSE", cause: error });
    }
    return bound;
  } catch (error) {
    if (bound !== undefined) await unbind(bound);
    throw error;
  } finally {
    try {
      ops.unlink(hidden);
    } catch {
      // Never bound, or already gone.
    }
    try {
      ops.rmdir(dir);
    } catch {
      // Left for the operator: an empty directory, private to this user.
    }
  }
}

/** Answers still being written; each leaves the set once it settles. */
export interface WritingSet {
  /** Track one answer until `sent` settles (rejections count as settled). */
  add(sent: Promise<unknown>): void;
  /** Resolves once every answer tracked now has settled. */
  settled(): Promise<void>;
  readonly size: number;
}

/**
 * The answers a control listener is still writing, so that `close()` lets the report line out first.
 *
 * @example
 * ```ts
 * const writing = trackWriting();
 * writing.add(answer(req, res));
 * await closeWithGrace(writing, graceful, force);
 * ```
 */
export function trackWriting(): WritingSet {
  const pending = new Set<Promise<unknown>>();
  return {
    add(sent) {
      const settled = sent.then(
        () => undefined,
        () => undefined,
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
    },
    settled: async () => {
      await Promise.all(pending);
    },
    get size() {
      return pending.size;
    },
  };
}

/**
 * Close a control listener: once every answer being written is out, `graceful` (stop and let Bun or Deno end
 * those responses); after at most {@link CLOSE_GRACE_MS} (a client that stopped reading must not hold the exit),
 * `force`. Never rejects.
 *
 * @example
 * ```ts
 * await closeWithGrace(writing, () => server.stop(false), () => server.stop(true));
 * ```
 */
export async function closeWithGrace(writing: WritingSet, graceful: () => Promise<void> | void, force: () => Promise<void> | void): Promise<void> {
  let grace: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)));
  try {
    await Promise.race([writing.settled().then(graceful), expired]);
  } catch {
    // Already stopped: the force below is all that is left.
  } finally {
    clearTimeout(grace);
  }
  try {
    await force();
  } catch {
    // Already stopped.
  }
}

/**
 * The same body, with `done` called once it is finished either way: read to its end, or cancelled because the
 * client went away (a `TransformStream`'s `flush` would miss the cancel, leaving `close()` to wait its grace).
 *
 * @example
 * ```ts
 * return new Response(watchBody(response.body, () => sent()), response);
 * ```
 */
export function watchBody(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          done();
        } else {
          controller.enqueue(chunk.value);
        }
      } catch (error) {
        done();
        controller.error(error);
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  });
}
