/**
 * WebSocket clients: a well-behaved one (`ws`) that records the close code and reason, and a raw one that
 * upgrades and then ignores every frame (it never answers the server's close), to test the close timeout.
 */
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { connect, parseHead, type ConnectionEnd, type RawConnection } from "./http1.ts";

export interface WsClose {
  readonly code: number;
  readonly reason: string;
  /** `performance.now()` of the close. */
  readonly at: number;
}

export interface WsClient {
  readonly socket: WebSocket;
  /** Send `text` and resolve with the next message (the echo). */
  echo(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves on close (never rejects; an error before close shows as code 1006). */
  readonly closed: Promise<WsClose>;
  terminate(): void;
}

/**
 * Open a WebSocket to `/ws` (wss for https URLs; the test certificate is not verified).
 *
 * @example
 * ```ts
 * const ws = await openWebSocket(fixture.url);
 * expect(await ws.echo("hi")).toBe("hi");
 * ```
 */
export function openWebSocket(url: string, path = "/ws", timeoutMs = 5000): Promise<WsClient> {
  const wsUrl = new URL(path, url);
  wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(wsUrl, { rejectUnauthorized: false });
  const closed = new Promise<WsClose>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8"), at: performance.now() }));
  });
  // Errors surface as the close (1006); without a listener ws would throw.
  socket.on("error", () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`WebSocket ${wsUrl.href} did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("unexpected-response", (_request, response) => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error(`WebSocket ${wsUrl.href} answered ${response.statusCode} instead of 101`));
    });
    socket.once("open", () => {
      clearTimeout(timer);
      resolve({
        socket,
        closed,
        echo: (text, echoTimeoutMs = 5000) =>
          new Promise((resolveEcho, rejectEcho) => {
            const echoTimer = setTimeout(() => rejectEcho(new Error(`no echo within ${echoTimeoutMs} ms`)), echoTimeoutMs);
            socket.once("message", (data) => {
              clearTimeout(echoTimer);
              resolveEcho(Buffer.isBuffer(data) ? data.toString("utf8") : String(data));
            });
            socket.send(text);
          }),
        terminate: () => socket.terminate(),
      });
    });
    socket.once("close", () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket ${wsUrl.href} closed before it opened`));
    });
  });
}

export interface DeafWebSocket {
  readonly connection: RawConnection;
  /** Resolves with the first close frame the server sent (rejects if the connection ends without one). */
  readonly closeFrame: Promise<WsClose>;
  readonly ended: Promise<ConnectionEnd>;
}

/**
 * Upgrade a raw socket to a WebSocket and then ignore everything: the close frame is recorded but never answered.
 *
 * @example
 * ```ts
 * const deaf = await openDeafWebSocket(fixture.url);
 * fixture.signal("SIGTERM");
 * expect((await deaf.closeFrame).code).toBe(1001);
 * ```
 */
export async function openDeafWebSocket(url: string, path = "/ws"): Promise<DeafWebSocket> {
  const connection = await connect(url);
  connection.send(path, {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": randomBytes(16).toString("base64"),
      "sec-websocket-version": "13",
    },
  });
  let head = parseHead(connection.buffered());
  while (head === undefined) {
    if (connection.end() !== undefined) throw new Error("the upgrade got no response");
    await connection.nextChange();
    head = parseHead(connection.buffered());
  }
  if (head.status !== 101) throw new Error(`the upgrade was answered ${head.status}, not 101`);
  connection.consume(head.length);
  const closeFrame = (async (): Promise<WsClose> => {
    for (;;) {
      const frame = readFrame(connection);
      if (frame !== undefined && frame.opcode === 0x8) {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        return { code, reason: frame.payload.subarray(2).toString("utf8"), at: performance.now() };
      }
      if (frame !== undefined) continue;
      const end = connection.end();
      if (end !== undefined) throw new Error(`the connection ended (${end.kind}) without a close frame`);
      await connection.nextChange();
    }
  })();
  closeFrame.catch(() => {});
  return { connection, closeFrame, ended: connection.ended };
}

function readFrame(connection: RawConnection): { opcode: number; payload: Buffer } | undefined {
  const data = connection.buffered();
  if (data.length < 2) return undefined;
  const opcode = (data[0] as number) & 0x0f;
  const masked = ((data[1] as number) & 0x80) !== 0;
  let length = (data[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i += 1) payload[i] = (payload[i] as number) ^ (data[maskOffset + (i % 4)] as number);
  connection.consume(offset + length);
  return { opcode, payload };
}
