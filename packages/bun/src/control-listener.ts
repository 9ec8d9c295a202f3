import * as fs from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import process from "node:process";
import { nodeControlRuntime, serveHttpControl, type ControlEndpoint, type ControlHandler, type ControlListener, type ControlListenerEvents } from "@drain/engine/control";

/**
 * The control endpoint's listener on Bun: a `node:http` server of its own (its connections are not the drained
 * server's) on a Unix socket or a loopback port, feeding the engine's handler. The same listener runs on Node, Bun
 * and Deno (the engine's `serveHttpControl`): `node:http` is where each of them caps connections and cuts a
 * request that stalls. (`Bun.serve` has no connection cap.)
 *
 * The Unix socket is mode 0600 from its first moment: the umask is 0177 while `listen()` binds, which it does
 * synchronously for a path (measured on Node 20 and 24, Bun 1.4.5, Deno 2.9.6). Where the umask cannot be changed it is bound in a fresh private directory, chmod-ed there and hard-linked into place, so no symlink raced into the
 * socket's directory can redirect the chmod. A socket file left by a crash
 * is found by connecting to it: refused means stale (removed, then listened on); answered means another live
 * process owns it (`ERR_DRAIN_CONTROL_IN_USE`); anything at the path that is not a socket, a symlink included, is
 * refused and left alone. The file is removed when the server closes.
 *
 * @example
 * ```ts
 * const listener = serveControl({ transport: "unix", path: "/run/app/drain.sock" }, handler, events);
 * await listener.close();
 * ```
 */
export function serveControl(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents): ControlListener {
  return serveHttpControl(endpoint, handler, events, nodeControlRuntime({ createServer, fs, connect, umask: (mask) => process.umask(mask) }));
}
