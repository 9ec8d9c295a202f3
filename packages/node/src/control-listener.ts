import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import {
  bindPrivately,
  closeWithGrace,
  MAX_BODY_BYTES,
  OWNER_ONLY,
  listenReplacingStale,
  peerOf,
  trackWriting,
  type ControlEndpoint,
  type ControlHandler,
  type ControlListener,
  type ControlListenerEvents,
  type StaleSocketOps,
} from "@drain/engine";
import { writeResponse } from "./respond.ts";

/**
 * The control endpoint's listener on Node: a separate `node:http` server (its connections are not the drained
 * server's) on a Unix socket or a loopback port, feeding the engine's handler.
 *
 * The Unix socket is created with mode 0600 without a window: the umask is 0177 while `listen()` binds, which
 * it does synchronously for a path (measured on Node 20 and 24). A socket file left by a crash is found by
 * connecting to it: refused means stale (removed, then listened on); answered means another live process owns it
 * (`ERR_DRAIN_CONTROL_IN_USE`). Node removes the file when the server closes. A TCP listen completes a tick later
 * (Node looks the host up asynchronously, even `127.0.0.1`): a `close()` before that still closes it.
 *
 * @example
 * ```ts
 * const listener = serveControl({ transport: "unix", path: "/run/app/drain.sock" }, handler, events);
 * await listener.close();
 * ```
 */
export function serveControl(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents): ControlListener {
  const writing = trackWriting();
  const server = createServer((req, res) => writing.add(answer(req, res, endpoint, handler)));
  // Only the request's head and body are bounded; a shutdown's NDJSON answer may rightly last minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  let closed = false;

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
      bindPrivately(
        (mask) => process.umask(mask),
        // Not bound (the 'error' event follows, asynchronously): nothing to chmod.
        () => server.listening && chmodSync(path, OWNER_ONLY),
        () => server.listen(path),
        () => new Promise<void>((done) => server.close(() => done())),
      ).catch(failed);
    });
  // An error after the listen (none is expected) is reported, never thrown at the process.
  server.on("error", (error) => {
    if (server.listening) events.failed(error);
  });
  listenReplacingStale(endpoint, listen, {
    isAddrInUse: (error) => (error as NodeJS.ErrnoException | null)?.code === "EADDRINUSE",
    stale: staleSocketOps,
    isClosed: () => closed,
    failed: events.failed,
  });

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
      })();
      return closing;
    },
  };
}

/** Node's file and socket operations for replacing a socket file left by a crash. */
const staleSocketOps: StaleSocketOps = {
  isSocket: (path) => {
    try {
      return lstatSync(path).isSocket();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  },
  probe: (path) =>
    new Promise((resolve, reject) => {
      const probe = connect(path);
      probe.once("connect", () => {
        probe.destroy();
        resolve(true);
      });
      probe.once("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED" || error.code === "ENOENT") resolve(false);
        else reject(error);
      });
    }),
  remove: (path) => {
    try {
      unlinkSync(path);
    } catch {
      // Removed by someone else meanwhile: fine either way.
    }
  },
};

/** Turn one Node request into a web Request, hand it to the handler, write the answer. Never rejects. */
async function answer(req: IncomingMessage, res: ServerResponse, endpoint: ControlEndpoint, handler: ControlHandler): Promise<void> {
  const peer = peerOf(endpoint, req.socket.remoteAddress);
  const { body, complete } = await readCapped(req);
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
  let response: Response;
  try {
    const withBody = method !== "GET" && method !== "HEAD" && body.byteLength > 0;
    response = await handler(new Request(`http://localhost${path}`, { method, headers, ...(withBody ? { body } : {}) }), peer);
  } catch {
    response = new Response('{"error":{"code":"ERR_DRAIN_CONTROL_BAD_REQUEST","message":"the request could not be parsed"}}\n', {
      status: 400,
      headers: { "content-type": "application/json" },
    });
  }
  // A body left unread (over the limit) cannot be skipped on a kept-alive connection: close it after the answer.
  // A shutdown's answer ends with the process: say so, so the client does not wait for the connection.
  await writeResponse(res, response, { closing: !complete || path.startsWith("/shutdown") });
}

/** Read at most MAX_BODY_BYTES + 1 bytes (enough to know it is too large) without reading on. */
function readCapped(req: IncomingMessage): Promise<{ body: Uint8Array<ArrayBuffer>; complete: boolean }> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY_BYTES) return Promise.resolve(tooLarge());
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (complete: boolean): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(complete ? { body: new Uint8Array(Buffer.concat(chunks)), complete } : tooLarge());
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        resolve(tooLarge());
      }
    };
    const onEnd = (): void => finish(true);
    // A client that broke off its body gets the too-large answer (it is gone anyway); nothing half-read is acted on.
    const onError = (): void => finish(false);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onError);
  });
}

/**
 * A body the handler answers with 413: one byte over the limit stands for everything not read. The handler, not
 * this listener, decides the answer, so the refusal is audited like any other.
 */
function tooLarge(): { body: Uint8Array<ArrayBuffer>; complete: boolean } {
  return { body: new Uint8Array(MAX_BODY_BYTES + 1), complete: false };
}
