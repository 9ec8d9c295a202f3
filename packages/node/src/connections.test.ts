import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { ConnectionTable } from "./connections.ts";

/** A socket whose peer is `port` on 127.0.0.1, counting how often its address is read (a system call on Node). */
function peer(port: number): { socket: Socket; reads: () => number } {
  let reads = 0;
  const socket = {
    get remoteAddress() {
      reads++;
      return "127.0.0.1";
    },
    get remotePort() {
      reads++;
      return port;
    },
  } as unknown as Socket;
  return { socket, reads: () => reads };
}

describe("ConnectionTable", () => {
  it("finds a TLS socket or session by its raw socket's address, and directly from then on", () => {
    const table = new ConnectionTable(true);
    const raw = peer(50_000);
    const connection = table.create(raw.socket, "http1", 1);
    const tls = peer(50_000);
    expect(table.known(tls.socket)).toBeUndefined();
    expect(table.find(tls.socket)).toBe(connection);
    expect(table.known(tls.socket)).toBe(connection);
    expect(table.find(peer(50_001).socket)).toBeUndefined();
  });

  it("for a plain http.Server reads no socket's address: nothing there is found by one", () => {
    const table = new ConnectionTable(false);
    const raw = peer(50_000);
    const connection = table.create(raw.socket, "http1", 1);
    expect(table.find(raw.socket)).toBe(connection);
    expect(table.find(peer(50_000).socket)).toBeUndefined();
    expect(raw.reads()).toBe(0);
  });
});
