import {
  bindPrivately,
  closeWithGrace,
  OWNER_ONLY,
  peerOf,
  serveBoundControl,
  trackWriting,
  type ControlEndpoint,
  type ControlHandler,
  type ControlListener,
  type ControlListenerEvents,
  type StaleSocketOps,
} from "@drain/engine";

/** The parts of `Deno` this listener uses (typed here so the package type-checks without Deno's declarations). */
interface DenoServer {
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
  unref?(): void;
  readonly addr: { readonly port?: number; readonly hostname?: string };
}
interface DenoControlApi {
  serve(options: object): DenoServer;
  connect(options: { transport: "unix"; path: string }): Promise<{ close(): void }>;
  lstatSync(path: string): { readonly isSocket: boolean | null };
  removeSync(path: string): void;
  chmodSync(path: string, mode: number): void;
  umask(mask?: number): number;
}
interface ServeInfo {
  readonly remoteAddr: { readonly transport: string; readonly hostname?: string };
  readonly completed?: Promise<void>;
}

/**
 * The control endpoint's listener on Deno: its own `Deno.serve` (not the drained server, so its requests are not
 * tracked) on a Unix socket or a loopback port.
 *
 * Mode 0600: with `--allow-sys` (or `-A`) the umask is held at 0177 while `Deno.serve` binds, so the socket is
 * private from its first moment (measured on Deno 2.9.6). Without it `Deno.umask` throws `NotCapable`, and the
 * socket is chmod-ed to 0600 right after the bind, in the same synchronous turn: a local user who connects in
 * that instant is the only exposure, so keep the socket in a directory only the service can enter. If that chmod
 * fails, the bound server is shut down before the error is reported, never left listening unreachable.
 * A socket file left by a crash is probed with `Deno.connect`: refused means stale (removed, then listened on);
 * answered means another live process owns it. `Deno.serve` removes the file at shutdown.
 *
 * @example
 * ```ts
 * const listener = serveControl({ transport: "unix", path: "/run/app/drain.sock" }, handler, events);
 * await listener.close();
 * ```
 */
export function serveControl(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents): ControlListener {
  const deno = (globalThis as unknown as { Deno: DenoControlApi }).Deno;
  const writing = trackWriting();

  const serveHandler = async (request: Request, info: ServeInfo): Promise<Response> => {
    // Settles once the answer, body included, was sent: close() waits for that, so the report line gets out.
    if (info.completed !== undefined) writing.add(info.completed);
    return handler(request, peerOf(endpoint, info.remoteAddr.hostname));
  };

  const common = { handler: serveHandler, onListen: () => {}, onError: () => new Response(null, { status: 500 }) };
  const shutdown = (server: DenoServer): Promise<void> => server.shutdown().catch(() => undefined);
  return serveBoundControl<DenoServer>(endpoint, events, {
    bind: () => {
      if (endpoint.transport !== "unix") return deno.serve({ ...common, hostname: endpoint.host, port: endpoint.port });
      const { path } = endpoint;
      return bindPrivately(
        (mask) => deno.umask(mask),
        () => deno.chmodSync(path, OWNER_ONLY),
        () => deno.serve({ ...common, transport: "unix", path }),
        // A chmod that failed must not leave a server with a wider mode and no handle on it.
        shutdown,
      );
    },
    address: (server) => {
      if (endpoint.transport === "unix") return `unix:${endpoint.path}`;
      const host = server.addr.hostname ?? endpoint.host;
      return `http://${host.includes(":") ? `[${host}]` : host}:${server.addr.port ?? endpoint.port}`;
    },
    unref: (server) => server.unref?.(),
    discard: shutdown,
    // Deno has no force once shutdown() runs, and it waits for answers in flight: after the grace, start it
    // without waiting, so a client that stopped reading does not hold the exit.
    close: (server) => closeWithGrace(writing, () => shutdown(server), () => void shutdown(server)),
    isAddrInUse,
    stale: staleSocketOps(deno),
  });
}

function isAddrInUse(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === "AddrInUse";
}

/** Deno's file and socket operations for replacing a socket file left by a crash. */
function staleSocketOps(deno: DenoControlApi): StaleSocketOps {
  return {
    isSocket: (path) => {
      try {
        return deno.lstatSync(path).isSocket === true;
      } catch (error) {
        if ((error as { name?: string }).name === "NotFound") return undefined;
        throw error;
      }
    },
    probe: async (path) => {
      try {
        (await deno.connect({ transport: "unix", path })).close();
        return true;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === "ConnectionRefused" || name === "NotFound") return false;
        throw error;
      }
    },
    remove: (path) => {
      try {
        deno.removeSync(path);
      } catch {
        // Removed by someone else meanwhile: fine either way.
      }
    },
  };
}
