import { createServer } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { drain } from "./drain.ts";
import { QUIET } from "./testing/net.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("wrong runtime or wrong server", () => {
  it("names @drain/bun for a Bun.serve server", () => {
    const bunServer = { stop: () => undefined, upgrade: () => false, fetch: () => undefined, port: 3000 };
    expect(() => drain(bunServer as never, QUIET)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_WRONG_RUNTIME", message: expect.stringContaining("@drain/bun") }));
  });

  it("names @drain/deno for a Deno.serve server", () => {
    const denoServer = { shutdown: async () => undefined, finished: Promise.resolve(), addr: {} };
    expect(() => drain(denoServer as never, QUIET)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_WRONG_RUNTIME", message: expect.stringContaining("@drain/deno") }));
  });

  it("refuses to run where process.versions.node is missing", () => {
    vi.stubGlobal("process", { ...process, versions: {} });
    let error: unknown;
    try {
      drain(createServer(), QUIET);
    } catch (caught) {
      error = caught;
    }
    vi.unstubAllGlobals();
    expect(error).toMatchObject({ code: "ERR_DRAIN_WRONG_RUNTIME", message: expect.stringContaining("@drain/bun or @drain/deno") });
  });

  it("refuses something that is not a server", () => {
    expect(() => drain({} as never, QUIET)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_OPTION" }));
  });

  it("refuses a second drain on the same server until the first is disposed", () => {
    const server = createServer();
    const first = drain(server, QUIET);
    expect(() => drain(server, QUIET)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_ALREADY_ATTACHED" }));
    first.dispose();
    drain(server, QUIET).dispose();
  });

  it("rejects bad options before attaching anything", () => {
    const server = createServer();
    const before = server.eventNames().length;
    expect(() => drain(server, { ...QUIET, timeoutMs: -1 })).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_DURATION" }));
    expect(server.eventNames().length).toBe(before);
    expect(Object.prototype.hasOwnProperty.call(server, "emit")).toBe(false);
  });
});

describe("options that are not an options object", () => {
  it.each([[null], ["x"], [[]], [{ logger: null }]])("%j fails with ERR_DRAIN_INVALID_OPTION, not a TypeError", (value) => {
    expect(() => drain(createServer(), value as never)).toThrow(expect.objectContaining({ name: "DrainError", code: "ERR_DRAIN_INVALID_OPTION" }));
  });

  it("an unknown key inside exit is named", () => {
    expect(() => drain(createServer(), { exit: { cleen: 3 } } as never)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_UNKNOWN_OPTION", message: expect.stringContaining('"cleen"') }));
  });
});
