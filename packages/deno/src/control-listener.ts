import { drainError } from "@drain/core";
import type { ControlEndpoint, ControlHandler, ControlListener, ControlListenerEvents, ControlPeer } from "@drain/engine";

/** How long `close()` lets control answers still being written (a report line) finish before giving up on them. */
const CLOSE_GRACE_MS = 2_000;
/** Owner read and write only. */
const OWNER_ONLY = 0o600;

/** The parts of `Deno` this listener uses (typed here so the package type-checks without Deno's declarations). */
interface DenoControlApi {
  serve(options: object): { readonly finished: Promise<void>; shutdown(): Promise<void>; unref?(): void; readonly addr: { readonly port?: number; readonly hostname?: string } };
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
 * that instant is the only exposure, so keep the socket in a directory only the service can enter.
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
  let server: ReturnType<DenoControlApi["serve"]> | undefined;
  let closed = false;
  const writing = new Set<Promise<void>>();

  const serveHandler = async (request: Request, info: ServeInfo): Promise<Response> => {
    const peer: ControlPeer = endpoint.transport === "unix" ? { address: "unix", transport: "unix" } : { address: info.remoteAddr.hostname ?? "", transport: "tcp" };
    if (info.completed !== undefined) {
      // Settles once the answer, body included, was sent: close() waits for that, so the report line gets out.
      const sent = info.completed.catch(() => undefined);
      writing.add(sent);
      void sent.then(() => writing.delete(sent));
    }
    return handler(request, peer);
  };

  const listen = (): void => {
    const common = { handler: serveHandler, onListen: () => {}, onError: () => new Response(null, { status: 500 }) };
    if (endpoint.transport === "unix") {
      server = bindPrivately(deno, endpoint.path, () => deno.serve({ ...common, transport: "unix", path: endpoint.path }));
      events.listening(`unix:${endpoint.path}`);
    } else {
      server = deno.serve({ ...common, hostname: endpoint.host, port: endpoint.port });
      const host = server.addr.hostname ?? endpoint.host;
      events.listening(`http://${host.includes(":") ? `[${host}]` : host}:${server.addr.port ?? endpoint.port}`);
    }
    // The control endpoint must never be what keeps a finished process alive.
    server.unref?.();
  };

  try {
    listen();
  } catch (error) {
    if (endpoint.transport === "unix" && isAddrInUse(error)) {
      void replaceStaleSocket(deno, endpoint.path).then(
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
    } else {
      events.failed(inUse(error, endpoint));
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
        await Promise.race([Promise.all(writing), deadline]);
        // shutdown() waits for answers in flight; a client that stopped reading must not hold the exit.
        await Promise.race([current.shutdown().catch(() => undefined), deadline]);
        clearTimeout(grace);
      })();
      return closing;
    },
  };
}

/** Bind with umask 0177 when allowed (race-free 0600), else chmod 0600 right after the bind. */
function bindPrivately<T>(deno: DenoControlApi, path: string, bind: () => T): T {
  let previous: number | undefined;
  try {
    previous = deno.umask(0o177);
  } catch {
    // NotCapable without --allow-sys: fall back to chmod below.
  }
  try {
    const bound = bind();
    if (previous === undefined) deno.chmodSync(path, OWNER_ONLY);
    return bound;
  } finally {
    if (previous !== undefined) deno.umask(previous);
  }
}

/** Remove `path` if it is a socket nobody answers on; reject when it is alive or not a socket. */
async function replaceStaleSocket(deno: DenoControlApi, path: string): Promise<void> {
  if (deno.lstatSync(path).isSocket !== true) {
    throw drainError("ERR_DRAIN_CONTROL_IN_USE", `${path} exists and is not a socket; remove it or give the control endpoint another socket path.`);
  }
  let answered = false;
  try {
    const probe = await deno.connect({ transport: "unix", path });
    answered = true;
    probe.close();
  } catch (error) {
    if ((error as { name?: string }).name !== "ConnectionRefused") throw error;
  }
  if (answered) {
    throw drainError("ERR_DRAIN_CONTROL_IN_USE", `another process is listening on ${path}; stop it or give the control endpoint another socket path.`);
  }
  // Left by a process that died without closing it.
  deno.removeSync(path);
}

function isAddrInUse(error: unknown): boolean {
  return (error as { name?: string }).name === "AddrInUse";
}

function inUse(error: unknown, endpoint: ControlEndpoint): unknown {
  if (!isAddrInUse(error)) return error;
  const where = endpoint.transport === "unix" ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
  return drainError("ERR_DRAIN_CONTROL_IN_USE", `another process is listening on ${where}; stop it or give the control endpoint another ${endpoint.transport === "unix" ? "socket path" : "port"}.`);
}
