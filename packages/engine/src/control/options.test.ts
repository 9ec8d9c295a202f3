import { describe, expect, it } from "vitest";
import { createEngine } from "../engine.ts";
import { FakeRuntime, memoryLogger } from "../testing/fake-runtime.ts";
import { hasBearer } from "./auth.ts";
import { resolveControlOptions } from "./options.ts";
import { TokenBucket } from "./rate-limit.ts";

describe("control options", () => {
  it("fills in loopback and the rate-limit defaults", () => {
    expect(resolveControlOptions({ port: 9090, token: "0123456789abcdef" })).toEqual({
      endpoint: { transport: "tcp", host: "127.0.0.1", port: 9090 },
      token: "0123456789abcdef",
      rateLimit: { burst: 10, perSecond: 5 },
    });
    expect(resolveControlOptions({ socket: "/run/app/drain.sock", token: "0123456789abcdef" })?.endpoint).toEqual({ transport: "unix", path: "/run/app/drain.sock" });
    // The 0600 socket keeps other users out by itself: no token needed there.
    expect(resolveControlOptions({ socket: "/run/app/drain.sock" })?.token).toBeUndefined();
    expect(resolveControlOptions(undefined)).toBeUndefined();
  });

  it.each([
    [{ port: 9090, host: "0.0.0.0", token: "0123456789abcdef" }, "ERR_DRAIN_INVALID_OPTION", "loopback only"],
    [{ port: 9090, host: "192.168.1.10", token: "0123456789abcdef" }, "ERR_DRAIN_INVALID_OPTION", "loopback only"],
    [{ port: 70_000, token: "0123456789abcdef" }, "ERR_DRAIN_INVALID_OPTION", "0 to 65535"],
    [{ port: 9090 }, "ERR_DRAIN_INVALID_OPTION", "control over TCP needs a token"],
    [{ port: 0, host: "::1" }, "ERR_DRAIN_INVALID_OPTION", "Set control.token"],
    [{ socket: "" }, "ERR_DRAIN_INVALID_OPTION", "file path"],
    [{ socket: `/tmp/${"x".repeat(120)}` }, "ERR_DRAIN_INVALID_OPTION", "longer than a Unix socket path"],
    [{ socket: "/a", port: 1 }, "ERR_DRAIN_INVALID_OPTION", "exactly one of socket"],
    [{}, "ERR_DRAIN_INVALID_OPTION", "exactly one of socket"],
    [{ socket: "/a", host: "127.0.0.1" }, "ERR_DRAIN_UNKNOWN_OPTION", 'Unknown control option "host"'],
    [{ socket: "/a", token: "short" }, "ERR_DRAIN_INVALID_OPTION", "at least 16 characters"],
    [{ socket: "/a", rateLimit: { burst: 0 } }, "ERR_DRAIN_INVALID_OPTION", "burst"],
    [{ socket: "/a", rateLimit: { perSecond: -1 } }, "ERR_DRAIN_INVALID_OPTION", "perSecond"],
    ["/run/drain.sock", "ERR_DRAIN_INVALID_OPTION", "control must be"],
  ])("%j fails at start-up with %s", (value, code, message) => {
    expect(() => resolveControlOptions(value)).toThrow(expect.objectContaining({ code, message: expect.stringContaining(message) }));
  });

  it("createEngine rejects a bad control option before anything listens", () => {
    const runtime = new FakeRuntime();
    expect(() => createEngine({ logger: memoryLogger(), control: { port: 80, host: "0.0.0.0" as "127.0.0.1", token: "0123456789abcdef" } }, runtime)).toThrow(/loopback only/);
    expect(() => createEngine({ logger: memoryLogger(), control: { port: 0 } as { port: number; token: string } }, runtime)).toThrow(
      expect.objectContaining({ code: "ERR_DRAIN_INVALID_OPTION", message: expect.stringContaining("needs a token") }),
    );
    expect(runtime.control).toBeUndefined();
  });
});

describe("bearer token", () => {
  const token = "0123456789abcdef";
  it("accepts exactly Bearer <token>, any case of the scheme", () => {
    expect(hasBearer(`Bearer ${token}`, token)).toBe(true);
    expect(hasBearer(`BEARER ${token}`, token)).toBe(true);
  });
  it.each([null, "", token, `Bearer ${token} `, `Bearer ${token.slice(1)}`, `Bearer ${token}0`, `Basic ${token}`, "Bearer "])("refuses %j", (header) => {
    expect(hasBearer(header, token)).toBe(false);
  });
});

describe("token bucket", () => {
  it("allows the burst, then one per 1/perSecond of a second", () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 2, perSecond: 4 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(bucket.retryAfterSeconds()).toBe(1);
    now = 250;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now = 10_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});
