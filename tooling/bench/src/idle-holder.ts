/**
 * The idle keep-alive clients of the scale part, in a process of their own: idle connections belong to other
 * clients than the SSE streams and WebSockets, and in one process the FINs would wait behind the close frames
 * and last SSE frames that arrive at the same moment, so the figure would measure the client's event loop.
 * Started by `holdIdle` with `PORT` and `COUNT`; says `ready` once every connection has had its response, then
 * reports each connection's FIN time (epoch ms, or null when none came) once all of them have closed.
 */
import { bodyEnds, openMany, rawGet } from "./raw-client.ts";

export type HolderMessage = { readonly type: "ready" } | { readonly type: "fins"; readonly fins: readonly (number | null)[] };

const port = Number(process.env["PORT"]);
const count = Number(process.env["COUNT"]);
const send = (message: HolderMessage): void => {
  process.send?.(message);
};

const idle = await openMany(count, 500, () => rawGet(port, "/", bodyEnds("hello")));
send({ type: "ready" });
await Promise.all(idle.map((c) => (c.socket.closed ? undefined : new Promise((resolve) => c.socket.once("close", resolve)))));
send({ type: "fins", fins: idle.map((c) => (c.finAt === undefined ? null : performance.timeOrigin + c.finAt)) });
process.disconnect?.();
