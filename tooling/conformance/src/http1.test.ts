import { describe, expect, it } from "vitest";
import { decodeChunks, isConnectionClose, parseHead } from "./http1.ts";

describe("parseHead", () => {
  it("waits for the blank line, then lower-cases names and joins repeated headers", () => {
    expect(parseHead(Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n"))).toBeUndefined();
    const head = parseHead(Buffer.from("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nconnection: close\r\nRetry-After: 1\r\n\r\nbody"));
    expect(head?.status).toBe(503);
    expect(head?.headers).toEqual({ connection: "close, close", "retry-after": "1" });
    expect(head?.length).toBe(head === undefined ? 0 : Buffer.byteLength("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nconnection: close\r\nRetry-After: 1\r\n\r\n"));
    expect(isConnectionClose(head?.headers ?? {})).toBe(true);
  });

  it("rejects a status line that is not HTTP/1.x", () => {
    expect(() => parseHead(Buffer.from("SSH-2.0-x\r\n\r\n"))).toThrow(/status line/);
  });
});

describe("decodeChunks", () => {
  it("decodes whole chunks only and sees the terminal chunk", () => {
    const partial = decodeChunks(Buffer.from("5\r\nhello\r\n6\r\n wor"));
    expect(partial).toEqual({ data: Buffer.from("hello"), consumed: 10, complete: false });
    const whole = decodeChunks(Buffer.from("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
    expect(whole.data.toString()).toBe("hello world");
    expect(whole.complete).toBe(true);
  });

  it("does not call a stream ended before the blank line after the last chunk", () => {
    expect(decodeChunks(Buffer.from("0\r\n")).complete).toBe(false);
  });
});
