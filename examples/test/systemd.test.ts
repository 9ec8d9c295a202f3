/**
 * The systemd unit, exercised the way systemd would: ExecStart's argv starts the server with the unit's
 * Environment=, and on stop ExecStop's argv runs as written. Only specifiers and deployment paths are substituted
 * (%t -> a temporary runtime directory, /srv/drain-example -> this directory, /usr/bin/node -> this Node), plus
 * PORT=0 so the test never collides with a real port.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WAIT_MARGIN_MS } from "@drain/cli";
import { afterEach, describe, expect, it } from "vitest";
import { fetchStatus, inFlight } from "./http.ts";
import { start, type Running } from "../../tooling/vitest/processes.ts";
import { environment, parseUnitFile, single, splitCommandLine } from "./unit-file.ts";

const EXAMPLES = fileURLToPath(new URL("..", import.meta.url));
const unit = parseUnitFile(readFileSync(join(EXAMPLES, "systemd/drain-example.service"), "utf8"));
const config = JSON.parse(readFileSync(join(EXAMPLES, "config.json"), "utf8")) as { timeoutMs: number; notifyMs: number };

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.kill()));
});

/** Substitute what differs between the deployment and this checkout; nothing else. */
function substitute(text: string, runtimeDir: string): string {
  return text.replaceAll("%t", runtimeDir).replaceAll("/srv/drain-example", EXAMPLES.replace(/\/$/, "")).replaceAll("/usr/bin/node", process.execPath);
}

function launch(line: string, runtimeDir: string, env: Record<string, string>): Running {
  const started = start(splitCommandLine(substitute(line, runtimeDir)), { cwd: substitute(single(unit, "Service.WorkingDirectory"), runtimeDir), env });
  running.push(started);
  return started;
}

describe("examples/systemd/drain-example.service", () => {
  it("gives the drain more time than its budget plus the CLI's margin, and uses a KillMode that lets it finish", () => {
    expect(Number(single(unit, "Service.TimeoutStopSec")) * 1_000).toBeGreaterThan(config.timeoutMs + WAIT_MARGIN_MS);
    expect(["mixed", "process"]).toContain(single(unit, "Service.KillMode"));
    expect(single(unit, "Service.ExecStop")).toMatch(/ stop --wait --socket %t\/drain-example\/control\.sock/);
  });

  it("ExecStop returns 0 only after the server is gone, its in-flight request done and readiness failing meanwhile", async () => {
    // systemd creates RuntimeDirectory= under %t before ExecStart.
    const runtimeDir = mkdtempSync(join(tmpdir(), "drain-systemd-"));
    mkdirSync(join(runtimeDir, single(unit, "Service.RuntimeDirectory")));
    const env = Object.fromEntries(Object.entries(environment(unit)).map(([key, value]) => [key, substitute(value, runtimeDir)]));
    const server = launch(single(unit, "Service.ExecStart"), runtimeDir, { ...env, PORT: "0" });
    const [, origin] = await server.line(/^example: listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(await fetchStatus(`${origin}/ready`)).toBe(200);

    const slow = await inFlight(`${origin}/slow?ms=${config.notifyMs + 1_000}`);
    expect(slow.status).toBe(200);

    const stop = launch(single(unit, "Service.ExecStop"), runtimeDir, env);
    await stop.line(/accepted the shutdown \(graceful\)/);
    const readinessDuringStop = await fetchStatus(`${origin}/ready`);

    const [stopExit, serverExit, slowDone] = await Promise.all([stop.exit, server.exit, slow.done]);
    expect(readinessDuringStop).toBe(503);
    expect(slowDone).toMatchObject({ status: 200, body: "slow response done\n" });
    expect(slowDone.at).toBeLessThan(serverExit.at);
    expect(serverExit).toMatchObject({ code: 0, signal: null });
    expect(serverExit.at).toBeLessThan(stopExit.at);
    expect(stopExit.code, stop.stderr()).toBe(0);
    expect(stop.stdout()).toMatch(new RegExp(`stopped clean in .*\\ndrain: pid ${server.pid} is gone\\n$`));
  });

  it("ExecStop exits 4 with a clear message when the server is not running", async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), "drain-systemd-"));
    const stop = launch(single(unit, "Service.ExecStop"), runtimeDir, {});
    expect((await stop.exit).code).toBe(4);
    const socket = `${runtimeDir}/drain-example/control.sock`;
    expect(stop.stderr()).toBe(`drain: no drain control endpoint at ${socket}: is the service running with control: { socket: "${socket}" }?\n`);
  });
});
