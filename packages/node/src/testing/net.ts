import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, type Server, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** Options that keep a test's drain away from the process: no signal listeners, no exit, no log lines. */
export const QUIET = { signals: false, exit: false, logger: false } as const;

/** The conformance fixtures' test-only certificate (self-signed for 127.0.0.1 and localhost). */
export const TLS: { readonly key: Buffer; readonly cert: Buffer } = {
  key: readFileSync(new URL("../../../../tooling/conformance/fixtures/tls/key.pem", import.meta.url)),
  cert: readFileSync(new URL("../../../../tooling/conformance/fixtures/tls/cert.pem", import.meta.url)),
};

/** Whether drain has recorded `socket`: its one listener on a recorded socket, `'close'` (context.ts), is there. */
export function drainListens(socket: Socket): boolean {
  return socket.listeners("close").some((listener) => listener.name === "drainSocketClosed");
}

/** Listen on 127.0.0.1 and an ephemeral port; resolves with the port. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  return address.port;
}

/** A client connection that records every byte and when the server ended it. */
export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far, as text. */
  text(): string;
  /** Resolves once `predicate(text)` holds (checked on every chunk). */
  waitFor(predicate: (text: string) => boolean): Promise<string>;
  /** Resolves when the server closed the connection (FIN or reset), with the whole text received. */
  readonly ended: Promise<string>;
  send(text: string): void;
}

/** Open a raw TCP (or TLS) connection to the server. Resolves once connected (TLS: handshake done). */
export async function rawClient(port: number, options: { readonly tls?: boolean } = {}): Promise<RawClient> {
  const socket: Socket = options.tls === true
    ? tlsConnect({ port, host: "127.0.0.1", rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] })
    : connect(port, "127.0.0.1");
  let received = "";
  const waiters = new Set<() => void>();
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("error", () => undefined);
  const ended = new Promise<string>((resolve) => socket.once("close", () => resolve(received)));
  await once(socket, options.tls === true ? "secureConnect" : "connect");
  return {
    socket,
    text: () => received,
    waitFor: (predicate) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate(received)) {
            waiters.delete(check);
            resolve(received);
          }
        };
        waiters.add(check);
        socket.once("close", () => {
          if (waiters.delete(check)) reject(new Error(`connection closed before the expected data; got ${JSON.stringify(received)}`));
        });
        check();
      }),
    ended,
    send: (text) => void socket.write(text),
  };
}

/** A minimal HTTP/1.1 GET. */
export function get(path: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}\r\n`;
}

/** True once `text` holds `count` complete responses with a Content-Length body. */
export function responses(text: string): number {
  return text.split("HTTP/1.1 ").length - 1;
}
