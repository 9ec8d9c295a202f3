/**
 * Cheap HTTP/1.1 clients on bare `net` sockets, for holding thousands of connections in one process: each sends
 * one GET, collects what comes back, and records when the server's FIN arrived. `bodyEnds` tells when a response
 * with a known body has fully arrived, sent with a length or chunked.
 */
import { connect, type Socket } from "node:net";

export interface RawConnection {
  readonly socket: Socket;
  /** Everything received, as text. */
  received: string;
  /** `performance.now()` when the expected response had fully arrived. */
  completeAt: number | undefined;
  /** `performance.now()` when the server's FIN arrived. */
  finAt: number | undefined;
  error: string | undefined;
  /** Resolves once the response is complete (or the connection ended first). */
  readonly complete: Promise<void>;
}

/** True once `received` ends with `body`, either plainly or as the last data chunk of a chunked response. */
export function bodyEnds(body: string): (received: string) => boolean {
  const chunked = `${body}\r\n0\r\n\r\n`;
  return (received) => received.endsWith(body) || received.endsWith(chunked);
}

/**
 * Open a connection, send `GET path` with keep-alive, and track it until it closes. `answerFin: false` leaves the
 * connection half open when the server's FIN arrives instead of answering with a FIN of its own: a client holding
 * thousands of connections then does as little per FIN as it can, so the FIN times it records follow the server's
 * (the caller destroys the sockets).
 */
export function rawGet(port: number, path: string, completeWhen: (received: string) => boolean, answerFin = true): RawConnection {
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: !answerFin });
  let markComplete = (): void => {};
  const conn: RawConnection = {
    socket,
    received: "",
    completeAt: undefined,
    finAt: undefined,
    error: undefined,
    complete: new Promise<void>((resolve) => {
      markComplete = resolve;
    }),
  };
  socket.setEncoding("utf8");
  socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\n\r\n`));
  socket.on("data", (chunk: string) => {
    conn.received += chunk;
    if (conn.completeAt === undefined && completeWhen(conn.received)) {
      conn.completeAt = performance.now();
      markComplete();
    }
  });
  socket.on("end", () => {
    conn.finAt = performance.now();
    if (answerFin) socket.end();
    markComplete();
  });
  socket.on("error", (error) => {
    conn.error = error.message;
    markComplete();
  });
  socket.on("close", () => markComplete());
  return conn;
}

/** Open `count` connections, `batch` at a time (each batch waits for its responses), so no listen backlog overflows. */
export async function openMany(count: number, batch: number, open: () => RawConnection): Promise<RawConnection[]> {
  const all: RawConnection[] = [];
  for (let done = 0; done < count; done += batch) {
    const group = Array.from({ length: Math.min(batch, count - done) }, open);
    await Promise.all(group.map((c) => c.complete));
    all.push(...group);
  }
  return all;
}
