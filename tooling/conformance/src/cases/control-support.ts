/**
 * What the control cases share: one control request on its own connection, a private socket path, the fixture's
 * `CONTROL` line, and raw connections for what no well-behaved client sends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { connect as connectNet, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Fixture } from "../harness.ts";
import { later } from "./_support.ts";

export const TOKEN = "conformance-token-0123456789";

export type Where = { readonly socketPath: string } | { readonly host: string; readonly port: number };

export interface ControlAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** NDJSON lines with the time each arrived. */
  readonly lines: readonly { readonly line: Record<string, unknown>; readonly at: number }[];
  /** `performance.now()` when the response ended. */
  readonly endedAt: number;
}

/** One control request on its own connection; resolves once the whole answer arrived. */
export function call(where: Where, path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ ...where, path, method: options.method ?? "GET", headers: options.headers ?? {}, agent: false }, (res) => {
      let body = "";
      let pending = "";
      const lines: { line: Record<string, unknown>; at: number }[] = [];
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        pending += chunk;
        for (let newline = pending.indexOf("\n"); newline !== -1; newline = pending.indexOf("\n")) {
          const text = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (res.headers["content-type"] === "application/x-ndjson" && text !== "") lines.push({ line: JSON.parse(text) as Record<string, unknown>, at: performance.now() });
        }
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, lines, endedAt: performance.now() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A private directory for the socket, removed when the test ends. */
export function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "drain-ctl-"));
  later(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "control.sock");
}

/** Wait for the fixture's `CONTROL` line: the endpoint listens. */
export async function controlAddress(fixture: Fixture): Promise<string> {
  const line = await fixture.waitForLine("CONTROL ", 10_000);
  return (JSON.parse(line.slice("CONTROL ".length)) as { address: string }).address;
}

/** A raw connection to the control endpoint: what it received, and when the server ended it. */
export interface RawControl {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with `performance.now()` once the connection closed (for whatever reason). */
  readonly closed: Promise<number>;
  /** Resolves once `text` was received; rejects when the connection closes first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** Open a raw connection to the control socket (or port), write `data` (if any) and keep it open. */
export async function rawControl(where: Where, data?: string): Promise<RawControl> {
  const socket = "socketPath" in where ? connectNet(where.socketPath) : connectNet(where.port, where.host);
  later(() => socket.destroy());
  socket.on("error", () => undefined);
  let text = "";
  const listeners = new Set<() => void>();
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    text += chunk;
    for (const listener of listeners) listener();
  });
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => {
      resolve(performance.now());
      for (const listener of listeners) listener();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  if (data !== undefined) socket.write(data);
  return {
    socket,
    received: () => text,
    closed,
    waitFor: (wanted, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${JSON.stringify(wanted)} within ${timeoutMs} ms; got ${JSON.stringify(text)}`)), timeoutMs);
        const check = (): void => {
          if (text.includes(wanted)) done();
          else if (socket.closed) done(new Error(`closed before ${JSON.stringify(wanted)}; got ${JSON.stringify(text)}`));
        };
        const done = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        listeners.add(check);
        check();
      }),
  };
}
