import { afterEach, describe, expect, it, vi } from "vitest";
import { bindPrivately, CLOSE_GRACE_MS, closeWithGrace, controlInUseError, listenReplacingStale, peerOf, replaceStaleSocket, serveBoundControl, trackWriting, watchBody, type StaleSocketOps } from "./listener-kit.ts";
import { systemdNotifyArgs, systemdNotifyError } from "../systemd-notify.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("bindPrivately", () => {
  it("holds umask 0177 around the bind and restores it; no chmod needed", async () => {
    const calls: string[] = [];
    const bound = await bindPrivately(
      (mask) => (calls.push(`umask ${mask.toString(8)}`), 0o22),
      () => calls.push("chmod"),
      () => (calls.push("bind"), "server"),
      () => void calls.push("unbind"),
    );
    expect(bound).toBe("server");
    expect(calls).toEqual(["umask 177", "bind", "umask 22"]);
  });

  it("chmods right after the bind when the umask cannot be changed", async () => {
    const calls: string[] = [];
    await bindPrivately(
      () => {
        throw new Error("NotCapable");
      },
      () => void calls.push("chmod"),
      () => (calls.push("bind"), "server"),
      () => void calls.push("unbind"),
    );
    expect(calls).toEqual(["bind", "chmod"]);
  });

  it("when that chmod fails, closes the bound server first, then rethrows", async () => {
    const calls: string[] = [];
    const denied = new Error("PermissionDenied");
    await expect(
      bindPrivately(
        undefined,
        () => {
          throw denied;
        },
        () => "server",
        async (server) => {
          await Promise.resolve();
          calls.push(`unbind ${server}`);
        },
      ),
    ).rejects.toBe(denied);
    expect(calls).toEqual(["unbind server"]);
  });

  it("a bind that throws restores the umask and is not unbound", async () => {
    const masks: number[] = [];
    const unbind = vi.fn();
    await expect(bindPrivately((mask) => (masks.push(mask), 0o22), () => {}, () => {
      throw new Error("AddrInUse");
    }, unbind)).rejects.toThrow("AddrInUse");
    expect(masks).toEqual([0o177, 0o22]);
    expect(unbind).not.toHaveBeenCalled();
  });
});

describe("replaceStaleSocket", () => {
  function ops(isSocket: boolean | undefined, answered: boolean): StaleSocketOps & { removed: string[] } {
    const removed: string[] = [];
    return { removed, isSocket: () => isSocket, probe: () => Promise.resolve(answered), remove: (path) => void removed.push(path) };
  }

  it("removes a socket nobody answers on", async () => {
    const stale = ops(true, false);
    await replaceStaleSocket("/run/a.sock", stale);
    expect(stale.removed).toEqual(["/run/a.sock"]);
  });

  it("resolves when the file vanished meanwhile (the same on every runtime)", async () => {
    const gone = ops(undefined, false);
    await replaceStaleSocket("/run/a.sock", gone);
    expect(gone.removed).toEqual([]);
  });

  it("refuses a socket a live process answers on, and a file that is not a socket", async () => {
    const live = ops(true, true);
    await expect(replaceStaleSocket("/run/a.sock", live)).rejects.toMatchObject({ code: "ERR_DRAIN_CONTROL_IN_USE", message: expect.stringContaining("another process is listening on /run/a.sock") });
    await expect(replaceStaleSocket("/run/a.sock", ops(false, false))).rejects.toMatchObject({ code: "ERR_DRAIN_CONTROL_IN_USE", message: expect.stringContaining("is not a socket") });
    expect(live.removed).toEqual([]);
  });
});

describe("closeWithGrace", () => {
  it("stops gracefully once every answer is out, then forces", async () => {
    const writing = trackWriting();
    let sent: () => void = () => {};
    writing.add(new Promise<void>((resolve) => (sent = resolve)));
    const calls: string[] = [];
    const closed = closeWithGrace(writing, () => void calls.push("graceful"), () => void calls.push("force"));
    await Promise.resolve();
    expect(calls).toEqual([]);
    sent();
    await closed;
    expect(calls).toEqual(["graceful", "force"]);
    expect(writing.size).toBe(0);
  });

  it("forces after the grace when an answer never gets out", async () => {
    vi.useFakeTimers();
    const writing = trackWriting();
    writing.add(new Promise(() => {}));
    const calls: string[] = [];
    const closed = closeWithGrace(writing, () => void calls.push("graceful"), () => void calls.push("force"));
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS);
    await closed;
    expect(calls).toEqual(["force"]);
  });

  it("a rejected answer counts as finished", async () => {
    const writing = trackWriting();
    writing.add(Promise.reject(new Error("client gone")));
    const calls: string[] = [];
    await closeWithGrace(writing, () => void calls.push("graceful"), () => void calls.push("force"));
    expect(calls).toEqual(["graceful", "force"]);
  });
});

describe("watchBody", () => {
  it("reports done when the body was read to its end", async () => {
    const done = vi.fn();
    const body = watchBody(new Response("a\nb\n").body as ReadableStream<Uint8Array>, done);
    expect(await new Response(body).text()).toBe("a\nb\n");
    expect(done).toHaveBeenCalledTimes(1);
  });

  it("reports done when the client went away and the body was cancelled, and cancels the source", async () => {
    const done = vi.fn();
    let cancelled: unknown;
    const source = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode("accepted\n")),
      cancel: (reason) => {
        cancelled = reason;
      },
    });
    const reader = watchBody(source, done).getReader();
    await reader.read();
    await reader.cancel("client gone");
    expect(done).toHaveBeenCalledTimes(1);
    expect(cancelled).toBe("client gone");
  });
});

describe("small shared pieces", () => {
  it("peerOf: unix has no address; TCP keeps the remote IP", () => {
    expect(peerOf({ transport: "unix", path: "/a" }, "1.2.3.4")).toEqual({ address: "unix", transport: "unix" });
    expect(peerOf({ transport: "tcp", host: "127.0.0.1", port: 1 }, "127.0.0.1")).toEqual({ address: "127.0.0.1", transport: "tcp" });
    expect(peerOf({ transport: "tcp", host: "127.0.0.1", port: 1 }, undefined)).toEqual({ address: "", transport: "tcp" });
  });

  it("controlInUseError names the endpoint and what to change", () => {
    expect(controlInUseError({ transport: "tcp", host: "::1", port: 9090 })).toMatchObject({ code: "ERR_DRAIN_CONTROL_IN_USE", message: expect.stringContaining("::1:9090; stop it or give the control endpoint another port") });
  });

  it("systemd-notify gets one argument per line; its errors say what to do", () => {
    expect(systemdNotifyArgs("STOPPING=1\nEXTEND_TIMEOUT_USEC=5000000")).toEqual(["STOPPING=1", "EXTEND_TIMEOUT_USEC=5000000"]);
    expect(systemdNotifyError().message).toMatch(/not installed.*unset NOTIFY_SOCKET/);
    expect(systemdNotifyError(1).message).toMatch(/exited with 1.*NotifyAccess=all/);
  });
});

describe("listenReplacingStale", () => {
  const path = "/run/app/drain.sock";
  const inUse = Object.assign(new Error("address in use"), { code: "EADDRINUSE" });
  const isAddrInUse = (error: unknown): boolean => (error as { code?: string }).code === "EADDRINUSE";
  const staleFile = (removed: string[]): StaleSocketOps => ({ isSocket: () => true, probe: async () => false, remove: (p) => void removed.push(p) });

  /** Run it and resolve once it has either listened `times` times or reported a failure. */
  function run(listen: () => Promise<void>, stale: StaleSocketOps, endpoint = { transport: "unix" as const, path }, closed = false): Promise<unknown> {
    return new Promise((resolve) => {
      listenReplacingStale(endpoint, () => listen().then(() => resolve("listening")), { isAddrInUse, stale, isClosed: () => closed, failed: resolve });
    });
  }

  it("replaces a socket file left by a crash and listens again", async () => {
    const removed: string[] = [];
    let attempts = 0;
    const outcome = await run(async () => {
      attempts++;
      if (attempts === 1) throw inUse;
    }, staleFile(removed));
    expect(outcome).toBe("listening");
    expect(attempts).toBe(2);
    expect(removed).toEqual([path]);
  });

  it("reports ERR_DRAIN_CONTROL_IN_USE when a live process answers on the path, without listening again", async () => {
    let attempts = 0;
    const outcome = await run(async () => {
      attempts++;
      throw inUse;
    }, { isSocket: () => true, probe: async () => true, remove: () => undefined });
    expect((outcome as { code?: string }).code).toBe("ERR_DRAIN_CONTROL_IN_USE");
    expect(attempts).toBe(1);
  });

  it("reports a TCP port in use as ERR_DRAIN_CONTROL_IN_USE and other failures as they are", async () => {
    const tcp = { transport: "tcp", host: "127.0.0.1", port: 9090 } as const;
    const taken = await new Promise<unknown>((resolve) =>
      listenReplacingStale(tcp, () => Promise.reject(inUse), { isAddrInUse, stale: staleFile([]), isClosed: () => false, failed: resolve }),
    );
    expect((taken as { code?: string }).code).toBe("ERR_DRAIN_CONTROL_IN_USE");
    const other = new Error("permission denied");
    const failed = await new Promise<unknown>((resolve) =>
      listenReplacingStale(tcp, () => Promise.reject(other), { isAddrInUse, stale: staleFile([]), isClosed: () => false, failed: resolve }),
    );
    expect(failed).toBe(other);
  });

  it("does not listen again when close() ran while the stale file was being replaced", async () => {
    let attempts = 0;
    let closed = false;
    // isClosed is consulted once, right before the second listen would be called in the same turn.
    const consulted = new Promise<void>((resolve) => {
      listenReplacingStale(
        { transport: "unix", path },
        async () => {
          attempts++;
          throw inUse;
        },
        {
          isAddrInUse,
          stale: { isSocket: () => true, probe: async () => false, remove: () => void (closed = true) },
          isClosed: () => {
            queueMicrotask(resolve);
            return closed;
          },
          failed: () => undefined,
        },
      );
    });
    await consulted;
    expect(attempts).toBe(1);
  });
});

describe("serveBoundControl", () => {
  const tcp = { transport: "tcp", host: "127.0.0.1", port: 0 } as const;
  const noStale: StaleSocketOps = { isSocket: () => undefined, probe: async () => false, remove: () => undefined };

  /** A fake runtime that records what happened to the one server it binds; `bound` resolves the bind. */
  function fakeRuntime() {
    const log: string[] = [];
    let bind: (server: string) => void = () => {};
    const bindDone = new Promise<string>((resolve) => (bind = resolve));
    const events = { listening: (address: string) => void log.push(`listening ${address}`), failed: (error: unknown) => void log.push(`failed ${String(error)}`) };
    const ops = {
      bind: () => bindDone,
      address: (server: string) => `addr:${server}`,
      unref: (server: string) => void log.push(`unref ${server}`),
      discard: async (server: string) => void log.push(`discard ${server}`),
      close: async (server: string) => void log.push(`close ${server}`),
      isAddrInUse: () => false,
      stale: noStale,
    };
    return { log, bound: bind, events, ops };
  }

  it("unrefs and announces the bound server, and closes it once however often close() is called", async () => {
    const runtime = fakeRuntime();
    const listener = serveBoundControl(tcp, runtime.events, runtime.ops);
    runtime.bound("s1");
    await expect.poll(() => runtime.log).toEqual(["unref s1", "listening addr:s1"]);
    const first = listener.close();
    expect(listener.close()).toBe(first);
    await first;
    expect(runtime.log).toEqual(["unref s1", "listening addr:s1", "close s1"]);
  });

  it("discards a server that close() overtook while it was binding, and never announces it", async () => {
    const runtime = fakeRuntime();
    const listener = serveBoundControl(tcp, runtime.events, runtime.ops);
    await listener.close();
    runtime.bound("s1");
    await expect.poll(() => runtime.log).toEqual(["discard s1"]);
  });

  it("reports a bind that fails", async () => {
    const runtime = fakeRuntime();
    serveBoundControl(tcp, runtime.events, { ...runtime.ops, bind: () => Promise.reject(new Error("no permission")) });
    await expect.poll(() => runtime.log).toEqual(["failed Error: no permission"]);
  });
});
