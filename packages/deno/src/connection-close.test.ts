import { describe, expect, it } from "vitest";
import { withConnectionClose } from "./connection-close.ts";

describe("withConnectionClose", () => {
  it("sets the header in place when the headers are mutable, keeping body and content type", async () => {
    const response = new Response("hello", { status: 201, headers: { "content-type": "text/x-test" } });
    const marked = withConnectionClose(response);
    expect(marked).toBe(response);
    expect(marked.headers.get("connection")).toBe("close");
    expect(marked.headers.get("content-type")).toBe("text/x-test");
    expect(await marked.text()).toBe("hello");
  });

  it("rewraps a Response.redirect(), whose headers are immutable, keeping status and location", () => {
    const redirect = Response.redirect("http://127.0.0.1/next", 307);
    expect(() => redirect.headers.set("x", "y")).toThrow(TypeError);
    const marked = withConnectionClose(redirect);
    expect(marked).not.toBe(redirect);
    expect(marked.status).toBe(307);
    expect(marked.headers.get("location")).toBe("http://127.0.0.1/next");
    expect(marked.headers.get("connection")).toBe("close");
  });

  it("leaves a 101 upgrade alone: the connection belongs to the WebSocket now", () => {
    const headers = new Headers({ upgrade: "websocket" });
    const upgrade = { status: 101, type: "default", headers } as unknown as Response;
    expect(withConnectionClose(upgrade)).toBe(upgrade);
    expect(headers.has("connection")).toBe(false);
  });

  it("leaves a network error (Response.error()) alone", () => {
    const error = Response.error();
    expect(withConnectionClose(error)).toBe(error);
  });
});
