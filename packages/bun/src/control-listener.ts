import {
  bindPrivately,
  closeWithGrace,
  OWNER_ONLY,
  peerOf,
  serveBoundControl,
  trackWriting,
  watchBody,
  type ControlEndpoint,
  type ControlHandler,
  type ControlListener,
  type ControlListenerEvents,
  type StaleSocketOps,
} from "@drain/engine";

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
interface BunProcess {
  umask(mask?: number): number;
  getBuiltinModule(id: "node:fs"): { chmodSync(path: string, mode: number): void };
}

/**
 * The control endpoint's listener on Bun: its own `Bun.serve` (not the drained server, so its requests are not
 * tracked) on a Unix socket or a loopback port. The socket is created with mode 0600 by holding the umask at 0177
 * while `Bun.serve` binds, which it does synchronously (measured: 0600 on Bun 1.4.5); where the umask cannot be
 * changed, the socket is chmod-ed right after the bind instead (and closed if that fails). A socket file left by a
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
  const writing = trackWriting();

  const fetch = async (request: Request, current: ControlServer): Promise<Response> => {
    const peer = peerOf(endpoint, endpoint.transport === "unix" ? undefined : current.requestIP(request)?.address);
    // Bun's default idle timeout (10 s) would cut a shutdown's answer while cleanup hooks run without a line.
    if (request.method === "POST") current.timeout(request, 0);
    const response = await handler(request, peer);
    if (response.body === null) return response;
    // Watch the body to its end, or to the client leaving (Bun cancels it then), so close() lets the report line out first.
    let sent: () => void = () => {};
    writing.add(new Promise<void>((resolve) => (sent = resolve)));
    return new Response(watchBody(response.body, sent), { status: response.status, headers: response.headers });
  };

  return serveBoundControl<ControlServer>(endpoint, events, {
    bind: () => {
      if (endpoint.transport !== "unix") return bun.serve({ hostname: endpoint.host, port: endpoint.port, fetch });
      const { path } = endpoint;
      const process = (globalThis as unknown as { process: BunProcess }).process;
      return bindPrivately(
        (mask) => process.umask(mask),
        () => process.getBuiltinModule("node:fs").chmodSync(path, OWNER_ONLY),
        () => bun.serve({ unix: path, fetch }),
        (bound) => stop(bound, true),
      );
    },
    address: (server) => (endpoint.transport === "unix" ? `unix:${endpoint.path}` : server.url.origin),
    unref: (server) => server.unref?.(),
    discard: (server) => stop(server, true),
    // The last lines are handed to Bun; a graceful stop lets Bun write them out and end those responses.
    close: (server) => closeWithGrace(writing, () => stop(server, false), () => stop(server, true)),
    isAddrInUse,
    stale: staleSocketOps(bun),
  });
}

async function stop(server: ControlServer, force: boolean): Promise<void> {
  try {
    await server.stop(force);
  } catch {
    // Already stopped.
  }
}

function isAddrInUse(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "EADDRINUSE";
}

/** Bun's file and socket operations for replacing a socket file left by a crash. */
function staleSocketOps(bun: BunControlApi): StaleSocketOps {
  return {
    isSocket: async (path) => {
      try {
        return (await bun.file(path).stat()).isSocket();
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw error;
      }
    },
    probe: async (path) => {
      try {
        const probe = await bun.connect({ unix: path, socket: { data: () => {}, open: (socket) => socket.end() } });
        probe.end();
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "ECONNREFUSED" || code === "ENOENT") return false;
        throw error;
      }
    },
    remove: async (path) => {
      try {
        await bun.file(path).delete();
      } catch {
        // Removed by someone else meanwhile: fine either way.
      }
    },
  };
}
