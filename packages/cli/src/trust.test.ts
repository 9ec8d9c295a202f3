import { chmodSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.ts";
import { checkSocketOwner, verifyPid, type ProcView } from "./socket-owner.ts";
import { checkSocketTrust, type TrustSystem } from "./socket-trust.ts";
import { runCli, socketDir } from "./testing/run-cli.ts";
import { startStubControl, type StubControl } from "./testing/stub-control.ts";

const TOKEN = "trust-token-0123456789abcdef";
const stubs: StubControl[] = [];
afterEach(async () => {
  for (const stub of stubs.splice(0)) await stub.close();
});

async function stubAt(path: string, pid?: number): Promise<StubControl> {
  const stub = await startStubControl({ scenario: "clean", listen: path, token: TOKEN, ...(pid === undefined ? {} : { pid }) });
  stubs.push(stub);
  return stub;
}

describe("an impostor at --socket", () => {
  it("answering with an invented pid is caught: exit 8, never 'pid … is gone'", async () => {
    const path = join(socketDir(), "c.sock");
    // This test process listens there, so /proc names it, not pid 999999, as the socket's owner.
    const impostor = await stubAt(path, 999_999);
    const result = await runCli(["stop", "--wait", "--socket", path], { DRAIN_CONTROL_TOKEN: TOKEN });
    expect(result.code).toBe(EXIT.untrusted);
    expect(result.err).toEqual([`drain: ${path} is served by pid ${process.pid}, but the answer says pid 999999: not trusting it (an impostor listening at that path?). Check who created the socket.`]);
    expect(result.out.join("\n")).not.toMatch(/is gone/);
    expect(impostor.requests.map((request) => request.path)).toEqual(["/shutdown"]);

    const status = await runCli(["status", "--socket", path], { DRAIN_CONTROL_TOKEN: TOKEN });
    expect(status.code).toBe(EXIT.untrusted);
  });

  it("in a directory others can write gets nothing, not even the token", async () => {
    const dir = socketDir();
    const path = join(dir, "c.sock");
    const stub = await stubAt(path);
    chmodSync(dir, 0o777);
    const result = await runCli(["stop", "--socket", path], { DRAIN_CONTROL_TOKEN: TOKEN });
    expect(result.code).toBe(EXIT.untrusted);
    expect(result.err).toEqual([expect.stringMatching(/^drain: not trusting --socket, nothing was sent: .* is writable by everyone \(mode 0777\)/)]);
    expect(stub.requests).toEqual([]);
  });

  it("that others can write, or reached through a symlink, gets nothing", async () => {
    const dir = socketDir();
    const path = join(dir, "c.sock");
    const stub = await stubAt(path);
    const link = join(dir, "link.sock");
    symlinkSync(path, link);
    const viaLink = await runCli(["status", "--socket", link], { DRAIN_CONTROL_TOKEN: TOKEN });
    expect(viaLink).toMatchObject({ code: EXIT.untrusted, err: [expect.stringContaining("is a symlink")] });
    chmodSync(path, 0o666);
    const writable = await runCli(["status", "--socket", path], { DRAIN_CONTROL_TOKEN: TOKEN });
    expect(writable).toMatchObject({ code: EXIT.untrusted, err: [expect.stringContaining("is writable by everyone (mode 0666)")] });
    expect(stub.requests).toEqual([]);
  });
});

describe("checkSocketTrust", () => {
  const socket = { uid: 1000, mode: 0o140600, isSocket: () => true, isSymbolicLink: () => false };
  const directory = { uid: 1000, mode: 0o40700, isDirectory: () => true };
  const system = (over: { uid?: number; socket?: Partial<typeof socket>; dir?: Partial<typeof directory> } = {}): TrustSystem => ({
    uid: () => over.uid ?? 1000,
    lstat: () => ({ ...socket, ...over.socket }),
    stat: () => ({ ...directory, ...over.dir }),
  });

  it("trusts the caller's own socket, and root's", () => {
    expect(() => checkSocketTrust("/run/app/c.sock", system())).not.toThrow();
    expect(() => checkSocketTrust("/run/app/c.sock", system({ socket: { uid: 0 }, dir: { uid: 0, mode: 0o40755 } }))).not.toThrow();
  });

  it.each([
    ["another user's socket", { socket: { uid: 1001 } }, /belongs to uid 1001, not to you \(uid 1000\) or root/],
    ["another user's directory", { dir: { uid: 1001 } }, /\/run\/app belongs to uid 1001/],
    ["a group-writable socket", { socket: { mode: 0o140620 } }, /writable by its group \(mode 0620\)/],
    ["a group-writable directory", { dir: { mode: 0o40770 } }, /\/run\/app is writable by its group/],
    ["a world-writable directory", { dir: { mode: 0o40777 } }, /writable by everyone \(mode 0777\)/],
    ["not a socket", { socket: { isSocket: () => false } }, /is not a socket/],
  ] as const)("refuses %s with exit code 8", (_name, over, message) => {
    expect(() => checkSocketTrust("/run/app/c.sock", system(over))).toThrow(expect.objectContaining({ code: "ERR_DRAIN_CLI_UNTRUSTED", exitCode: EXIT.untrusted, message: expect.stringMatching(message) }));
  });

  it("trusts a socket of the caller's in a sticky directory such as /tmp (nobody else can rename or remove it there)", () => {
    expect(() => checkSocketTrust("/tmp/c.sock", system({ dir: { uid: 0, mode: 0o41777 } }))).not.toThrow();
  });

  it("checks nothing where the platform has no uids", () => {
    expect(() => checkSocketTrust("/run/app/c.sock", { ...system({ socket: { uid: 1001 } }), uid: () => undefined })).not.toThrow();
  });
});

describe("checkSocketOwner", () => {
  const UNIX = "Num       RefCount Protocol Flags    Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 777 /run/app/c.sock\n0000: 00000003 00000000 00000000 0001 03 778\n";
  function proc(fds: Record<string, Record<string, string>>, unix: string | null = UNIX): ProcView {
    return {
      readFile: (path) => {
        if (path !== "/proc/net/unix" || unix === null) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
        return unix;
      },
      readdir: (path) => {
        if (path === "/proc") return Object.keys(fds);
        const pid = /^\/proc\/(\d+)\/fd$/.exec(path)?.[1];
        const table = pid === undefined ? undefined : fds[pid];
        if (table === undefined) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
        return Object.keys(table);
      },
      readlink: (path) => {
        const [, pid, fd] = /^\/proc\/(\d+)\/fd\/(\d+)$/.exec(path) ?? [];
        const link = fds[pid ?? ""]?.[fd ?? ""];
        if (link === undefined) throw new Error("ENOENT");
        return link;
      },
    };
  }

  it("matches the pid that holds a socket bound to the path", () => {
    expect(checkSocketOwner("/run/app/c.sock", 10, proc({ "10": { "3": "socket:[777]" } }))).toEqual({ result: "match" });
  });

  it("names the real holder when the claimed pid holds none (or does not exist)", () => {
    expect(checkSocketOwner("/run/app/c.sock", 10, proc({ "10": { "3": "socket:[778]" }, "20": { "5": "socket:[777]" } }))).toEqual({ result: "mismatch", holders: [20] });
    expect(checkSocketOwner("/run/app/c.sock", 99, proc({ "20": { "5": "socket:[777]" } }))).toEqual({ result: "mismatch", holders: [20] });
  });

  it("is unknown without /proc/net/unix, for a path it does not list, or when no holder is visible", () => {
    expect(checkSocketOwner("/run/app/c.sock", 10, proc({}, null))).toMatchObject({ result: "unknown", why: expect.stringContaining("no /proc/net/unix") });
    expect(checkSocketOwner("/run/other.sock", 10, proc({}))).toMatchObject({ result: "unknown", why: expect.stringContaining("another network namespace") });
    expect(checkSocketOwner("/run/app/c.sock", 10, proc({ "30": { "1": "pipe:[1]" } }))).toMatchObject({ result: "unknown", why: expect.stringContaining("not visible here") });
  });

  it("verifyPid warns once when it cannot tell, and trusts the answer", () => {
    const err: string[] = [];
    verifyPid({ socket: "/run/app/c.sock" }, 10, { out: () => {}, err: (line) => err.push(line) }, proc({}, null));
    expect(err).toEqual(["drain: warning: cannot tell which process listens on /run/app/c.sock (this platform has no /proc/net/unix); trusting that it is pid 10."]);
  });
});
