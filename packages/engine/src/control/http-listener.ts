/**
 * The control endpoint's listener, written once against the `node:http` API, which Node, Bun and Deno all
 * implement with the same bounds on a Unix socket: a connection cap (`maxConnections`), a deadline for a request
 * to arrive (`headersTimeout`, `requestTimeout`) and an idle limit between requests, checked every
 * `connectionsCheckingInterval` (measured on Node 20, Bun 1.4.5 and Deno 2.9.6; `Bun.serve` and `Deno.serve` have
 * no cap, and `Deno.serve` no head or idle timeout). The engine stays free of runtime imports: each adapter passes
 * its `node:http`, `node:fs` and `node:net` functions in.
 */
import {
  bindViaPrivateDir,
  CONTROL_TIMEOUTS,
  closeWithGrace,
  listenReplacingStale,
  MAX_CONTROL_CONNECTIONS,
  peerOf,
  trackWriting,
  type PrivateBindOps,
  type StaleSocketOps,
} from "./listener-kit.ts";
import type { ControlEndpoint, ControlHandler, ControlListener, ControlListenerEvents } from "./types.ts";
import { pipeWebBody, type BodySink } from "./pipe-body.ts";

/** The parts of a `node:http` request the listener reads. */
export interface HttpRequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly rawHeaders: readonly string[];
  readonly complete: boolean;
  /** `destroyed`: the connection is gone (a client that left, or the HTTP parser cutting bytes after the request). */
  readonly socket: { readonly remoteAddress?: string | undefined; readonly destroyed?: boolean };
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close" | "error", listener: () => void): unknown;
  once(event: "end" | "close" | "error", listener: () => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The parts of a `node:http` response the listener writes. */
export interface HttpResponseLike extends BodySink {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  flushHeaders(): void;
}

/** The parts of a `node:http` server the listener drives. */
export interface HttpServerLike {
  maxConnections: number;
  readonly listening: boolean;
  listen(options: { port: number; host: string } | string): unknown;
  address(): { readonly address: string; readonly family: string; readonly port: number } | string | null;
  close(callback?: () => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
  unref(): unknown;
  on(event: "listening", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  once(event: "listening", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  off(event: "listening", listener: () => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
}

/** What an adapter hands in: its runtime's `node:http` server factory and the file operations around the socket. */
export interface HttpControlRuntime {
  createServer(
    options: { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number },
    listener: (req: HttpRequestLike, res: HttpResponseLike) => void,
  ): HttpServerLike;
  /** `process.umask`; throwing (Node worker threads, Deno without `--allow-sys`) binds through a private directory instead. */
  umask(mask: number): number;
  /** `node:fs` operations for binding through a private directory, and `lstat` to remove only our own socket at close. */
  readonly files: PrivateBindOps & { lstat(path: string): { readonly ino: number } };
  /** This runtime's "address in use" error. */
  isAddrInUse(error: unknown): boolean;
  readonly stale: StaleSocketOps;
}

/**
 * Listen on the control endpoint with `node:http`, feeding each request to the engine's handler. The body is
 * handed over unread, so the handler checks the token before it reads a byte of it. Connections over
 * {@link MAX_CONTROL_CONNECTIONS} are closed as they arrive; a request that has not fully arrived
 * `CONTROL_TIMEOUTS.headMs` after its connection opened is answered 408 and closed. `close()` lets the answers
 * being written finish (at most `CLOSE_GRACE_MS`), then closes every connection; the socket file goes with the server.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * const listener = serveHttpControl(endpoint, handler, events, { createServer, umask: process.umask, files, isAddrInUse: isNodeAddrInUse, stale });
 * await listener.close();
 * ```
 */
export function serveHttpControl(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents, runtime: HttpControlRuntime): ControlListener {
  const writing = trackWriting();
  const server = runtime.createServer(
    // Only the request (head and body) is bounded; a shutdown's NDJSON answer may rightly last minutes. Given at
    // creation: the runtime schedules its connection checks with these when the server starts listening.
    {
      headersTimeout: CONTROL_TIMEOUTS.headMs,
      requestTimeout: CONTROL_TIMEOUTS.headMs,
      keepAliveTimeout: CONTROL_TIMEOUTS.idleMs,
      connectionsCheckingInterval: CONTROL_TIMEOUTS.checkEveryMs,
    },
    (req, res) => writing.add(answer(req, res, endpoint, handler)),
  );
  server.maxConnections = MAX_CONTROL_CONNECTIONS;
  let closed = false;
  /** The inode of the socket linked into place by a bind without umask: removed at close if it is still ours. */
  let linked: number | undefined;

  server.on("listening", () => {
    // close() came before the (asynchronous) TCP listen finished and found nothing to close: close it now.
    if (closed) {
      server.close();
      return;
    }
    // The control endpoint must never be what keeps a finished process alive.
    server.unref();
    const address = server.address();
    if (endpoint.transport === "unix") events.listening(`unix:${endpoint.path}`);
    else if (address !== null && typeof address === "object") events.listening(`http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`);
  });

  // One listen attempt: resolves once listening, rejects with the listen's error (listenReplacingStale retries
  // once after replacing a stale socket file).
  const listen = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => {
        server.off("listening", listening);
        reject(error);
      };
      const listening = (): void => {
        server.off("error", failed);
        resolve();
      };
      server.once("error", failed);
      server.once("listening", listening);
      if (endpoint.transport === "tcp") {
        server.listen({ port: endpoint.port, host: endpoint.host });
        return;
      }
      const path = endpoint.path;
      let previous: number | undefined;
      try {
        previous = runtime.umask(0o177);
      } catch {
        // Not allowed here: bind through a private directory below.
      }
      if (previous !== undefined) {
        // listen(path) binds synchronously on all three runtimes (measured), so the umask covers the bind.
        try {
          server.listen(path);
        } finally {
          runtime.umask(previous);
        }
        return;
      }
      bindViaPrivateDir(path, runtime.files, (at) => server.listen(at), () => new Promise<void>((done) => server.close(() => done())))
        .then(() => {
          // The runtime removes the private name at close; the linked one at `path` is left to us.
          linked = runtime.files.lstat(path).ino;
        })
        .catch(failed);
    });
  // An error after the listen (none is expected) is reported, never thrown at the process.
  server.on("error", (error) => {
    if (server.listening) events.failed(error);
  });
  listenReplacingStale(endpoint, listen, { isAddrInUse: runtime.isAddrInUse, stale: runtime.stale, isClosed: () => closed, failed: events.failed });

  let closing: Promise<void> | undefined;
  return {
    close(): Promise<void> {
      closed = true;
      closing ??= (async (): Promise<void> => {
        if (!server.listening) return;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Answers still being written (the report line) finish first; a client that stopped reading does not hold the exit.
        const closeAll = (): void => server.closeAllConnections();
        await closeWithGrace(writing, closeAll, closeAll);
        await stopped;
        if (linked !== undefined && endpoint.transport === "unix") removeIfSame(runtime.files, endpoint.path, linked);
      })();
      return closing;
    },
  };
}

function removeIfSame(files: HttpControlRuntime["files"], path: string, ino: number): void {
  try {
    if (files.lstat(path).ino === ino) files.unlink(path);
  } catch {
    // Already gone.
  }
}

/** Turn one `node:http` request into a web Request, hand it to the handler, write the answer. Never rejects. */
async function answer(req: HttpRequestLike, res: HttpResponseLike, endpoint: ControlEndpoint, handler: ControlHandler): Promise<void> {
  const peer = peerOf(endpoint, req.socket.remoteAddress);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
    } catch {
      // A header the fetch API refuses carries nothing the control endpoint reads.
    }
  }
  const path = req.url?.startsWith("/") === true ? req.url : "/";
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : bodyStream(req);
  let response: Response;
  try {
    response = await handler(new Request(`http://localhost${path}`, { method, headers, ...(body === undefined ? {} : { body, duplex: "half" }) }), peer);
  } catch {
    response = new Response('{"error":{"code":"ERR_DRAIN_CONTROL_BAD_REQUEST","message":"the request could not be parsed"}}\n', {
      status: 400,
      headers: { "content-type": "application/json" },
    });
  }
  // A body left unread (refused before it was read, or over the limit) cannot be skipped on a kept-alive
  // connection: close it after the answer. A shutdown's answer ends with the process: say so, so the client does
  // not wait for the connection.
  await writeAnswer(res, response, !req.complete || path.startsWith("/shutdown"));
}

/**
 * The request body as a web stream, read only when the handler pulls it. It errors when the client goes away
 * before the end: on Node 20 an aborted request (or one cut by the request timeout) emits neither `end` nor
 * `error`, only `close`, and a reader waiting for more must not wait forever.
 */
function bodyStream(req: HttpRequestLike): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onData = (chunk: Uint8Array): void => {
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    // At most one chunk is buffered ahead of the reader.
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = (): void => {
    // The body is whole, but the connection is already gone: no answer can reach the client, so nothing may be
    // started on its behalf. (Bytes after a complete request that are no request make Node answer 400 and
    // destroy the socket before this handler has read the body.)
    if (req.socket.destroyed === true) {
      onGone();
      return;
    }
    detach();
    controller.close();
  };
  const onGone = (): void => {
    detach();
    controller.error(new Error("the client went away before the body ended"));
  };
  const detach = (): void => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("close", onGone);
    req.off("error", onGone);
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      req.on("data", onData);
      req.once("end", onEnd);
      req.once("close", onGone);
      req.once("error", onGone);
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      detach();
      req.pause();
    },
  });
}

/** Write a web Response with back-pressure; resolves when it is out or the client went away. Never rejects. */
async function writeAnswer(res: HttpResponseLike, response: Response, closing: boolean): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (closing) headers["connection"] = "close";
  res.writeHead(response.status, headers);
  // The head goes out now: `drain stop` shows "accepted" before the first progress line.
  if (response.body !== null) res.flushHeaders();
  await pipeWebBody(res, response.body);
}

/** The `node:fs` and `node:net` functions {@link nodeStaleSocketOps} uses (the same on Node, Bun and Deno). */
export interface NodeFileOps {
  lstatSync(path: string): { isSocket(): boolean };
  unlinkSync(path: string): void;
  connect(path: string): {
    once(event: "connect", listener: () => void): unknown;
    once(event: "error", listener: (error: Error) => void): unknown;
    destroy(): unknown;
  };
}

/**
 * Replacing a socket file left by a crash with `node:fs` and `node:net`: `lstat`, so a symlink at the path (to a
 * live socket, a dead one, or nowhere) is "not a socket" and never followed or removed.
 *
 * @example
 * ```ts
 * import { lstatSync, unlinkSync } from "node:fs";
 * import { connect } from "node:net";
 * const stale = nodeStaleSocketOps({ lstatSync, unlinkSync, connect });
 * ```
 */
export function nodeStaleSocketOps(ops: NodeFileOps): StaleSocketOps {
  return {
    isSocket: (path) => {
      try {
        return ops.lstatSync(path).isSocket();
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw error;
      }
    },
    probe: (path) =>
      new Promise((resolve, reject) => {
        const probe = ops.connect(path);
        probe.once("connect", () => {
          probe.destroy();
          resolve(true);
        });
        probe.once("error", (error) => {
          const code = (error as { code?: string }).code;
          if (code === "ECONNREFUSED" || code === "ENOENT") resolve(false);
          else reject(error);
        });
      }),
    remove: (path) => {
      try {
        ops.unlinkSync(path);
      } catch {
        // Removed by someone else meanwhile: fine either way.
      }
    },
  };
}

/** `EADDRINUSE`, as `node:net` reports a taken path or port on all three runtimes. */
export function isNodeAddrInUse(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "EADDRINUSE";
}

/** The `node:` modules a runtime's control listener is built from: the same names on Node, Bun and Deno. */
export interface NodeControlModules {
  readonly createServer: HttpControlRuntime["createServer"];
  /** `node:fs` (the namespace: only these synchronous calls are used). */
  readonly fs: {
    mkdtempSync(prefix: string): string;
    chmodSync(path: string, mode: number): void;
    linkSync(existing: string, path: string): void;
    unlinkSync(path: string): void;
    rmdirSync(path: string): void;
    lstatSync(path: string): { readonly ino: number; isSocket(): boolean };
  };
  readonly connect: NodeFileOps["connect"];
  /** `process.umask`, which may throw (see {@link HttpControlRuntime.umask}). */
  umask(mask: number): number;
}

/**
 * The {@link HttpControlRuntime} of a runtime with `node:http`, `node:fs` and `node:net`, from its own modules (the
 * engine imports none).
 *
 * @example
 * ```ts
 * import * as fs from "node:fs";
 * import { createServer } from "node:http";
 * import { connect } from "node:net";
 * const runtime = nodeControlRuntime({ createServer, fs, connect, umask: (mask) => process.umask(mask) });
 * serveHttpControl(endpoint, handler, events, runtime);
 * ```
 */
export function nodeControlRuntime(modules: NodeControlModules): HttpControlRuntime {
  const { fs } = modules;
  return {
    createServer: modules.createServer,
    umask: (mask) => modules.umask(mask),
    files: {
      mkdtemp: (prefix) => fs.mkdtempSync(prefix),
      chmod: (path, mode) => fs.chmodSync(path, mode),
      link: (existing, path) => fs.linkSync(existing, path),
      unlink: (path) => fs.unlinkSync(path),
      rmdir: (path) => fs.rmdirSync(path),
      lstat: (path) => fs.lstatSync(path),
    },
    isAddrInUse: isNodeAddrInUse,
    stale: nodeStaleSocketOps({ lstatSync: (path) => fs.lstatSync(path), unlinkSync: (path) => fs.unlinkSync(path), connect: modules.connect }),
  };
}
