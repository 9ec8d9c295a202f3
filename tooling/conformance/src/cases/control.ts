/**
 * The control endpoint, black-box: a fixture started with `control` in its drain options, driven through the
 * real Unix socket or loopback port with `node:http` (what `drain stop --wait` and supervisors use).
 * Registered for one HTTP/1.1 target per runtime.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { ensureDebianPackages } from "../../../vitest/debian.ts";
import { fetchOnce } from "../clients.ts";
import type { Target } from "../targets.ts";
import { inFlight, later, PROMPT_MS, start } from "./_support.ts";
import { controlHardeningCases } from "./control-hardening.ts";
import { call, controlAddress, socketPath, TOKEN } from "./control-support.ts";

/** The targets the control cases run on: one HTTP/1.1 server per runtime. */
export const CONTROL_TARGETS: readonly string[] = ["node20-http", "bun", "deno"];

/**
 * A stand-in for systemd's notification socket: an AF_UNIX datagram socket (which only Deno can open, with
 * `--unstable-net`) that prints every message it receives. Resolves once it listens.
 */
async function fakeNotifySocket(path: string): Promise<{ waitFor(text: string): Promise<string>; readonly messages: readonly string[] }> {
  const deno = join(dirname(createRequire(import.meta.url).resolve("deno/package.json")), "deno");
  const code = `const s = Deno.listenDatagram({ transport: "unixpacket", path: ${JSON.stringify(path)} }); console.log("LISTENING");
for (;;) { const [data] = await s.receive(); console.log("MSG " + JSON.stringify(new TextDecoder().decode(data))); }`;
  const child = spawn(deno, ["eval", "--unstable-net", code], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
  later(() => child.kill("SIGKILL"));
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let pending = "";
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf("\n"); newline !== -1; newline = pending.indexOf("\n")) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line === "LISTENING") listening();
      if (line.startsWith("MSG ")) messages.push(JSON.parse(line.slice(4)) as string);
    }
    for (const waiter of waiters) waiter();
  });
  await ready;
  return {
    messages,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no notification containing ${text} within 10 s; got ${JSON.stringify(messages)}`)), 10_000);
        const check = (): void => {
          const found = messages.find((message) => message.includes(text));
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      }),
  };
}

export function controlCases(target: Target): void {
  // Node and Bun cannot open an AF_UNIX datagram socket: they notify systemd through its systemd-notify binary.
  if (target.runtime !== "deno") beforeAll(() => ensureDebianPackages({ "/usr/bin/systemd-notify": "systemd" }), 600_000);

  it("answers GET /status and /metrics over a Unix socket created with mode 0600", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path } } });
    expect(await controlAddress(fixture)).toBe(`unix:${path}`);
    expect(statSync(path).isSocket()).toBe(true);
    expect((statSync(path).mode & 0o777).toString(8)).toBe("600");

    const status = await call({ socketPath: path }, "/status");
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ pid: fixture.pid, runtime: target.runtime, phase: "serving", msToDeadline: null });
    const metrics = await call({ socketPath: path }, "/metrics");
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('drain_phase{phase="serving"} 1');
  });

  it("POST /shutdown streams accepted, progress and the report; the answer ends before the exit and the socket is gone", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path }, progressEveryMs: 100 } });
    await controlAddress(fixture);
    const slow = await inFlight(fixture, "/slow?ms=600");

    const answer = await call({ socketPath: path }, "/shutdown", { method: "POST", body: JSON.stringify({ mode: "graceful", reason: "conformance" }) });
    const exit = await fixture.exit;

    expect(answer.status).toBe(202);
    expect(answer.headers["content-type"]).toBe("application/x-ndjson");
    const types = answer.lines.map(({ line }) => line["type"]);
    expect(types[0]).toBe("accepted");
    expect(answer.lines[0]?.line).toMatchObject({ pid: fixture.pid, mode: "graceful" });
    expect(types.filter((type) => type === "progress").length).toBeGreaterThanOrEqual(2);
    expect(types[types.length - 1]).toBe("report");
    expect(answer.lines[answer.lines.length - 1]?.line).toMatchObject({ pid: fixture.pid, report: { reason: "conformance", clean: true } });
    // Progress lines arrive while the drain runs, not all at the end.
    const firstProgress = answer.lines.find(({ line }) => line["type"] === "progress");
    expect((firstProgress?.at ?? Infinity) < (answer.lines[answer.lines.length - 1]?.at ?? 0)).toBe(true);
    expect((await slow.response).body).toBe("slow-done");

    expect(exit.code).toBe(0);
    expect(answer.endedAt).toBeLessThan(exit.at);
    expect(existsSync(path)).toBe(false);
  });

  it("a bad body is 400 with a message, starts nothing, and the server keeps serving", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path } } });
    await controlAddress(fixture);
    for (const body of ['{"mode":"later"}', "{not json", '{"timeoutMs":-5}', '{"timeoutMs":99999999}']) {
      const answer = await call({ socketPath: path }, "/shutdown", { method: "POST", body });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "ERR_DRAIN_CONTROL_BAD_REQUEST" } });
    }
    const huge = await call({ socketPath: path }, "/shutdown", { method: "POST", body: JSON.stringify({ reason: "x".repeat(10_000) }) });
    expect(huge.status).toBe(413);
    expect((await fetchOnce(fixture.url, "/", { http2: false })).body).toBe("ok");
    expect(JSON.parse((await call({ socketPath: path }, "/status")).body)).toMatchObject({ phase: "serving" });
    expect(fixture.stdoutLines.some((line) => line.startsWith("PHASE "))).toBe(false);
  });

  it("refuses a request without the bearer token with 401 and accepts it with the token", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path, token: TOKEN } } });
    await controlAddress(fixture);
    const refused = await call({ socketPath: path }, "/shutdown", { method: "POST" });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "ERR_DRAIN_CONTROL_UNAUTHORIZED" } });
    expect((await call({ socketPath: path }, "/status", { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    expect(JSON.parse((await call({ socketPath: path }, "/status", { headers: { authorization: `Bearer ${TOKEN}` } })).body)).toMatchObject({ phase: "serving" });
    expect(fixture.exited()).toBe(false);
  });

  it("serves loopback TCP (port 0 picks one, the token required) and shuts down through it with a short timeoutMs", async () => {
    const fixture = await start(target, { options: { control: { port: 0, host: "127.0.0.1", token: TOKEN } } });
    const address = new URL(await controlAddress(fixture));
    expect(address.hostname).toBe("127.0.0.1");
    const where = { host: "127.0.0.1", port: Number(address.port) };
    const authorized = { authorization: `Bearer ${TOKEN}` };
    expect((await call(where, "/status")).status).toBe(401);
    expect(JSON.parse((await call(where, "/status", { headers: authorized })).body)).toMatchObject({ phase: "serving", msToBudgetEnd: null });
    const hang = await inFlight(fixture, "/hang");
    const sentAt = performance.now();
    const answer = await call(where, "/shutdown", { method: "POST", body: '{"timeoutMs":300}', headers: authorized });
    expect(answer.lines[0]?.line).toMatchObject({ type: "accepted", msToBudgetEnd: expect.any(Number) });
    const exit = await fixture.exit;
    expect(answer.lines[answer.lines.length - 1]?.line).toMatchObject({ type: "report", report: { clean: false } });
    expect(["FIN", "RST"]).toContain((await hang.ended).kind);
    // The request's own budget, not the configured 5 s, decided when the hanging request was forced.
    expect(exit.at - sentAt).toBeLessThan(300 + PROMPT_MS);
  });

  it("a client that leaves in the middle of the answer does not hold the exit for the listener's 2 s grace", async () => {
    const path = socketPath();
    const fixture = await start(target, { options: { control: { socket: path } } });
    await controlAddress(fixture);
    const slow = await inFlight(fixture, "/slow?ms=500");
    // Read the accepted line, then go away while the drain still runs.
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: path, path: "/shutdown", method: "POST", agent: false }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => undefined);
      req.once("close", () => resolve());
      req.end();
      setTimeout(() => reject(new Error("no accepted line within 10 s")), 10_000).unref();
    });
    await fixture.waitForLine("REPORT ", 10_000);
    const reportedAt = performance.now();
    const exit = await fixture.exit;
    expect((await slow.response).body).toBe("slow-done");
    expect(exit.code).toBe(0);
    // Waiting for the gone client's answer would take the whole 2 s grace.
    expect(exit.at - reportedAt).toBeLessThan(1_500);
  });

  it("takes over a socket file left by a crashed process, and refuses one a live process answers on", async () => {
    const path = socketPath();
    const crashed = await start(target, { options: { control: { socket: path } } });
    await controlAddress(crashed);
    const live = await start(target, { options: { control: { socket: path } } });
    const refusal = await live.waitForLine("ERROR ", 10_000);
    expect(refusal).toMatch(/another process is listening on/);
    await live.stop();

    await crashed.stop(); // SIGKILL: nothing removes the socket file.
    expect(existsSync(path)).toBe(true);
    const next = await start(target, { options: { control: { socket: path } } });
    expect(await controlAddress(next)).toBe(`unix:${path}`);
    expect(JSON.parse((await call({ socketPath: path }, "/status")).body)).toMatchObject({ pid: next.pid });
  });

  it("tells systemd STOPPING=1 and how long to wait (EXTEND_TIMEOUT_USEC) through NOTIFY_SOCKET", async () => {
    const path = socketPath().replace(/control\.sock$/, "notify.sock");
    const notify = await fakeNotifySocket(path);
    // Deno sends from its own process with --unstable-net; Node and Bun go through systemd-notify.
    const command = target.runtime === "deno" ? (): string[] => [...target.command().slice(0, 3), "--unstable-net", ...target.command().slice(3)] : target.command;
    const fixture = await start({ ...target, command, env: { ...target.env, NOTIFY_SOCKET: path } }, { options: { timeoutMs: 20_000 } });
    const hang = await inFlight(fixture, "/slow?ms=300");
    fixture.signal("SIGTERM");
    const stopping = await notify.waitFor("STOPPING=1");
    // About 20 s of budget plus 5 s to exit, in microseconds.
    const usec = Number(/EXTEND_TIMEOUT_USEC=(\d+)/.exec(stopping)?.[1]);
    expect(usec).toBeGreaterThan(20_000_000);
    expect(usec).toBeLessThanOrEqual(25_000_000);
    expect((await hang.response).body).toBe("slow-done");
    expect((await fixture.exit).code).toBe(0);
  });

  controlHardeningCases(target);
}
