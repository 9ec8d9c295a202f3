/**
 * The control endpoint against a hostile local client: bodies that never finish, requests broken off half-way,
 * connections that send nothing or a head a byte at a time, and a flood under a low file-descriptor limit. None
 * of them may start anything, hold the exit past the report, or take the server down.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { fetchOnce } from "../clients.ts";
import type { Target } from "../targets.ts";
import { PROMPT_MS, start } from "./_support.ts";
import { call, controlAddress, rawControl, socketPath, TOKEN, type RawControl } from "./control-support.ts";

/** The connection cap and stall limits every listener enforces (engine's MAX_CONTROL_CONNECTIONS, CONTROL_TIMEOUTS). */
const CAP = 16;
const STALL_MS = 3_000 + 500;

/** A `POST /shutdown` head announcing a 1000-byte body, and the body's first byte. */
function halfPost(token?: string): string {
  const auth = token === undefined ? "" : `Authorization: Bearer ${token}\r\n`;
  return `POST /shutdown HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
}

export function controlHardeningCases(target: Target): void {
  it("refuses a POST without the token before its body arrives; bodies broken off or never finished do not delay the exit", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path, token: TOKEN } } });
    await controlAddress(fixture);
    const where = { socketPath: path };
    // No token: answered at once, without waiting for the 999 bytes still announced.
    const refused = await rawControl(where, halfPost());
    await refused.waitFor("HTTP/1.1 401", PROMPT_MS);
    // No token, broken off mid-body: nothing may be left waiting for the rest. (Fewer than the connection cap, so
    // that ones the server has not yet seen close cannot crowd out the requests below.)
    for (let i = 0; i < 10; i++) (await rawControl(where, halfPost())).socket.destroy();
    // The token holder's request, never finished: still open when the shutdown starts.
    const halfSent = await rawControl(where, halfPost(TOKEN));
    expect((await call(where, "/status", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);

    fixture.signal("SIGTERM");
    await fixture.waitForLine("REPORT ", 10_000);
    const reportedAt = performance.now();
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(fixture.report().reason).toBe("SIGTERM");
    // The listener's close grace (2 s) would be spent waiting for any of them.
    expect(exit.at - reportedAt).toBeLessThan(1_000);
    // The half-sent request started nothing; it was told why, or cut with the exit.
    expect(halfSent.received()).not.toMatch(/HTTP\/1\.1 202/);
  });

  it("starts a shutdown for an authorized POST /shutdown followed by bytes that are no request only if its 202 reaches the client", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path, token: TOKEN } } });
    await controlAddress(fixture);
    // A complete body-less request, then garbage: Node's parser answers the garbage with its own 400 and destroys
    // the connection before the handler has read the (empty) body, so no 202 could reach the client any more.
    const raw = await rawControl({ socketPath: path }, `POST /shutdown HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n${"x".repeat(5_000)}`);
    await Promise.race([raw.closed, wait(PROMPT_MS)]);
    const accepted = /HTTP\/1\.1 202/.test(raw.received());
    if (!accepted) fixture.signal("SIGTERM");
    expect((await fixture.exit).code).toBe(0);
    expect(fixture.report().reason).toBe(accepted ? "control endpoint" : "SIGTERM");
  });

  it("cuts connections that stall in their head or body within seconds, and refuses connections over the cap at once", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path, token: TOKEN } } });
    await controlAddress(fixture);
    const where = { socketPath: path };
    const openedAt = performance.now();
    const stalled: RawControl[] = [];
    for (let i = 0; i < 6; i++) stalled.push(await rawControl(where));
    for (let i = 0; i < 6; i++) stalled.push(await rawControl(where, "GET /status HTTP/1.1\r\nHost: localhost\r\n"));
    const slowBody = await rawControl(where, halfPost(TOKEN));
    stalled.push(slowBody);
    const extra: RawControl[] = [];
    for (let i = 0; i < 3 * CAP; i++) extra.push(await rawControl(where));
    const all = [...stalled, ...extra];

    // Everything past the cap is closed as it arrives, long before any stall limit.
    const closedAtOnce = await Promise.all(extra.map((raw) => Promise.race([raw.closed.then(() => 1), wait(PROMPT_MS).then(() => 0)])));
    expect(closedAtOnce.reduce((sum: number, n) => sum + n, 0)).toBeGreaterThanOrEqual(all.length - CAP);
    // The server still serves meanwhile.
    expect((await fetchOnce(fixture.url, "/", { http2: false })).body).toBe("ok");
    // Every stalled connection is cut within the stall limit (plus a busy machine's margin), the body-staller told 408.
    const closedAt = await Promise.all(all.map((raw) => raw.closed));
    expect(Math.max(...closedAt) - openedAt).toBeLessThan(STALL_MS + PROMPT_MS);
    expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(slowBody.received()).toContain("ERR_DRAIN_CONTROL_TIMEOUT");
    expect(JSON.parse((await call(where, "/status", { headers: { authorization: `Bearer ${TOKEN}` } })).body)).toMatchObject({ phase: "serving" });
  });

  it("refuses a symlink at the socket path, dangling or to a dead socket, as not a socket, and removes nothing", async () => {
    for (const kind of ["dangling", "to a dead socket"] as const) {
      const path = socketPath();
      const pointee = join(dirname(path), kind === "dangling" ? "nowhere" : "dead.sock");
      if (kind !== "dangling") deadSocket(pointee);
      symlinkSync(pointee, path);
      const fixture = await start(target, { options: { control: { socket: path } } });
      const refusal = await fixture.waitForLine("ERROR ", 10_000);
      expect(refusal, kind).toMatch(/exists and is not a socket/);
      expect(lstatSync(path).isSymbolicLink(), kind).toBe(true);
      expect(existsSync(pointee), kind).toBe(kind !== "dangling");
      // Still serving, without a control endpoint.
      expect((await fetchOnce(fixture.url, "/", { http2: false })).body).toBe("ok");
      await fixture.stop();
    }
  });

  it("with a low file-descriptor limit, a flood of control connections neither starves the server nor kills it", async () => {
    const path = socketPath();
    // 96 descriptors: the runtime's own (Deno and Bun open a few dozen), the cap, and little else.
    const limited = { ...target, command: (): string[] => ["/bin/sh", "-c", 'ulimit -n 96 && exec "$@"', "sh", ...target.command()] };
    const fixture = await start(limited, { options: { control: { socket: path, token: TOKEN } } });
    await controlAddress(fixture);
    const flood: RawControl[] = [];
    for (let i = 0; i < 150; i++) flood.push(await rawControl({ socketPath: path }));
    expect((await fetchOnce(fixture.url, "/", { http2: false })).body).toBe("ok");
    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(fixture.report().clean).toBe(true);
  });
}

/** A socket file nobody listens on any more: its process was killed before it could remove it. */
function deadSocket(path: string): void {
  const code = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`;
  spawnSync(process.execPath, ["-e", code]);
  if (!lstatSync(path).isSocket()) throw new Error(`no dead socket at ${path}`);
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
