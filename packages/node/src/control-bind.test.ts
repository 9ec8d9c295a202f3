import { chmodSync, linkSync, lstatSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isNodeAddrInUse, nodeStaleSocketOps, serveHttpControl, type ControlListener, type HttpControlRuntime } from "@drain/engine/control";
import { afterEach, describe, expect, it } from "vitest";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `node:http` and `node:fs` as the adapter passes them, but with no umask (a worker thread, Deno without --allow-sys). */
function withoutUmask(chmod: (path: string, mode: number) => void = chmodSync): HttpControlRuntime {
  return {
    createServer,
    umask: () => {
      throw new Error("process.umask() is not supported in workers");
    },
    files: { mkdtemp: (prefix) => mkdtempSync(prefix), chmod, link: linkSync, unlink: unlinkSync, rmdir: rmdirSync, lstat: (path) => lstatSync(path) },
    isAddrInUse: isNodeAddrInUse,
    stale: nodeStaleSocketOps({ lstatSync, unlinkSync, connect }),
  };
}

function serve(path: string, runtime: HttpControlRuntime): { listener: ControlListener; listening: Promise<string>; failed: Promise<unknown> } {
  let listening: (address: string) => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const events = { listening: new Promise<string>((resolve) => (listening = resolve)), failed: new Promise<unknown>((resolve) => (failed = resolve)) };
  const listener = serveHttpControl({ transport: "unix", path }, async () => new Response("ok"), { listening, failed }, runtime);
  cleanups.push(() => listener.close());
  return { listener, ...events };
}

function privateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "drain-bind-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath: path, path: "/status" }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}

describe("binding the control socket without a umask", () => {
  it("binds in a private directory, chmods there, links into place (0600), leaves no directory behind, and removes the socket at close", async () => {
    const dir = privateDir();
    const path = join(dir, "c.sock");
    const chmodded: string[] = [];
    const { listener, listening } = serve(path, withoutUmask((at, mode) => {
      chmodded.push(at);
      chmodSync(at, mode);
    }));
    expect(await listening).toBe(`unix:${path}`);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The chmod never touched a name in the socket's own (shared) directory.
    expect(chmodded).toHaveLength(1);
    expect(chmodded[0]).toMatch(new RegExp(`^${dir}/\\.drain-[^/]+/s$`));
    expect(readdirSync(dir)).toEqual(["c.sock"]);
    expect(await get(path)).toBe("ok");
    await listener.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a symlink raced into the directory during the bind cannot redirect the chmod: the victim keeps its mode and the bind is refused", async () => {
    const dir = privateDir();
    const path = join(dir, "c.sock");
    const victim = join(dir, "victim");
    writeFileSync(victim, "not yours");
    chmodSync(victim, 0o644);
    // The attacker wins every race: between the bind and the chmod, `path` becomes a symlink to the victim.
    const { failed } = serve(path, withoutUmask((at, mode) => {
      try {
        unlinkSync(path);
      } catch {
        // Not there (bound elsewhere).
      }
      symlinkSync(victim, path);
      chmodSync(at, mode);
    }));
    expect(await failed).toMatchObject({ code: "ERR_DRAIN_CONTROL_IN_USE", message: expect.stringContaining("exists and is not a socket") });
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["c.sock", "victim"]);
  });
});
