import { drainError } from "@drain/core";
import type { ControlEndpoint, ControlHandler, ControlListener, ControlListenerEvents, ControlPeer } from "@drain/engine";

/** How long `close()` lets control answers still being written (a report line) finish before forcing. */
const CLOSE_GRACE_MS = 2_000;

/** The parts of Bun this listener uses (typed here so the package needs no `@types/bun`). */
interface ControlServer {
  stop(force?: boolean): Promise<void> | void;
  unref?(): void;
  requestIP(request: Request): { readonly address: string } | null;
  timeout(request: Request, seconds: number): void;
  readonly url: URL;
}
interface BunControlApi {
  serve(options: object): ControlServer;
  connect(options: { unix: string; socket: { data(): void; open(socket: { end(): void }): void } }): Promise<{ end(): void }>;
  file(path: string): { stat(): Promise<{ isSocket(): boolean }>; delete(): Promise<void> };
}
interface ProcessUmask {
  umask(mask?: number): number;
}

/**
 * The control endpoint's listener on Bun: its own `Bun.serve` (not the drained server, so its requests are not
 * tracked) on a Unix socket or a loopback port. The socket is created with mode 0600 by holding the umask at 0177
 * while `Bun.serve` binds, which it does synchronously (measured: 0600 on Bun 1.4.5). A socket file left by a
 * crash is probed with `Bun.connect`: refused means stale (deleted, then listened on); answered means another live
 * process owns it. Bun removes the socket file when the server stops.
 *
 * @example
 * ```ts
 * const listener = serveControl({ transport: "unix", path: "/run/app/drain.sock" }, handler, events);
 * await listener.close();
 * ```
 */
export function serveControl(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents): ControlListener {
  const bun = (globalThis as unknown as { Bun: BunControlApi }).Bun;
  let server: ControlServer | undefined;
  let closed = false;
  const writing = new Set<Promise<void>>();

  const fetch = async (request: Request, current: ControlServer): Promise<Response> => {
    const peer: ControlPeer = endpoint.transport === "unix" ? { address: "unix", transport: "unix" } : { address: current.requestIP(request)?.address ?? "", transport: "tcp" };
    // Bun's default idle timeout (10 s) would cut a shutdown's answer while cleanup hooks run without a line.
    if (request.method === "POST") current.timeout(request, 0);
    const response = await handler(request, peer);
    if (response.body === null) return response;
    // Watch the body to its end, so that close() lets the report line out before stopping.
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    writing.add(finished);
    void finished.then(() => writing.delete(finished));
    // `flush` runs once the handler's stream has ended; a client that leaves cancels it instead (close() then waits its grace).
    const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: () => done() }));
    return new Response(body, { status: response.status, headers: response.headers });
  };

  const listen = (): void => {
    const options =
      endpoint.transport === "unix"
        ? { unix: endpoint.path, fetch }
        : { hostname: endpoint.host, port: endpoint.port, fetch };
    server = endpoint.transport === "unix" ? withPrivateUmask(() => bun.serve(options)) : bun.serve(options);
    // The control endpoint must never be what keeps a finished process alive.
    server.unref?.();
    events.listening(endpoint.transport === "unix" ? `unix:${endpoint.path}` : server.url.origin);
  };

  try {
    listen();
  } catch (error) {
    if (endpoint.transport !== "unix" || (error as { code?: string }).code !== "EADDRINUSE") {
      events.failed(inUse(error, endpoint));
    } else {
      void replaceStaleSocket(bun, endpoint.path).then(
        () => {
          if (closed) return;
          try {
            listen();
          } catch (again) {
            events.failed(inUse(again, endpoint));
          }
        },
        (reason: unknown) => events.failed(reason),
      );
    }
  }

  let closing: Promise<void> | undefined;
  return {
    close(): Promise<void> {
      closed = true;
      closing ??= (async (): Promise<void> => {
        const current = server;
        if (current === undefined) return;
        let grace: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<void>((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)));
        // The last lines are handed to Bun; a graceful stop lets Bun write them out and end those responses.
        await Promise.race([Promise.all(writing).then(() => stop(current, false)), deadline]);
        clearTimeout(grace);
        await stop(current, true);
      })();
      return closing;
    },
  };
}

async function stop(server: ControlServer, force: boolean): Promise<void> {
  try {
    await server.stop(force);
  } catch {
    // Already stopped.
  }
}

/** Run `bind` with umask 0177, so a Unix socket it creates is 0600 from its first moment. */
function withPrivateUmask<T>(bind: () => T): T {
  const process = (globalThis as unknown as { process: ProcessUmask }).process;
  const previous = process.umask(0o177);
  try {
    return bind();
  } finally {
    process.umask(previous);
  }
}

/** Delete `path` if it is a socket nobody answers on; reject when it is alive or not a socket. */
async function replaceStaleSocket(bun: BunControlApi, path: string): Promise<void> {
  const file = bun.file(path);
  const stat = await file.stat();
  if (!stat.isSocket()) {
    throw drainError("ERR_DRAIN_CONTROL_IN_USE", `${path} exists and is not a socket; remove it or give the control endpoint another socket path.`);
  }
  let answered = false;
  try {
    const probe = await bun.connect({ unix: path, socket: { data: () => {}, open: (socket) => socket.end() } });
    answered = true;
    probe.end();
  } catch (error) {
    if ((error as { code?: string }).code !== "ECONNREFUSED") throw error;
  }
  if (answered) {
    throw drainError("ERR_DRAIN_CONTROL_IN_USE", `another process is listening on ${path}; stop it or give the control endpoint another socket path.`);
  }
  // Left by a process that died without closing it.
  await file.delete();
}

function inUse(error: unknown, endpoint: ControlEndpoint): unknown {
  if ((error as { code?: string }).code !== "EADDRINUSE") return error;
  const where = endpoint.transport === "unix" ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
  return drainError("ERR_DRAIN_CONTROL_IN_USE", `another process is listening on ${where}; stop it or give the control endpoint another ${endpoint.transport === "unix" ? "socket path" : "port"}.`);
}
