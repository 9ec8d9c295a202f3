/**
 * The idle keep-alive clients of the scale part, in a process of their own: idle connections belong to other
 * clients than the SSE streams and WebSockets, and in one process the FINs would wait behind the close frames
 * and last SSE frames that arrive at the same moment, so the figure would measure the client's event loop.
 * Started by `holdIdle` with `PORT` and `COUNT`; says `ready` once every connection has had its response, then
 * reports each connection's FIN time (epoch ms, or null when none came) once each has had its FIN or closed. A FIN
 * is only recorded, not answered (`answerFin: false`): answering costs this process about as much per connection
 * as closing it costs the server, so the process fell behind the FINs by a varying 10 to 150 ms and the last FIN
 * measured its own backlog more than the server's (measured: Node's own stop sent its last FIN 175-220 ms after
 * the signal, and this process saw it 210-360 ms after).
 */
import { bodyEnds, openMany, rawGet, type RawConnection } from "./raw-client.ts";

export type HolderMessage = { readonly type: "ready" } | { readonly type: "fins"; readonly fins: readonly (number | null)[] };

const port = Number(process.env["PORT"]);
const count = Number(process.env["COUNT"]);
const send = (message: HolderMessage): void => {
  process.send?.(message);
};

const idle = await openMany(count, 500, () => rawGet(port, "/", bodyEnds("hello"), false));
send({ type: "ready" });
const endedOrClosed = (c: RawConnection): Promise<unknown> | undefined =>
  c.finAt !== undefined || c.socket.closed ? undefined : new Promise((resolve) => {
    c.socket.once("end", resolve);
    c.socket.once("close", resolve);
  });
await Promise.all(idle.map(endedOrClosed));
send({ type: "fins", fins: idle.map((c) => (c.finAt === undefined ? null : performance.timeOrigin + c.finAt)) });
for (const c of idle) c.socket.destroy();
process.disconnect?.();
