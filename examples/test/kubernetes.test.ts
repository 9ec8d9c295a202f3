/**
 * The Kubernetes manifest, exercised the way the kubelet would: the container's command starts the server with
 * the manifest's env, and on termination the preStop command runs as written; the kubelet sends SIGTERM only
 * after it returns. Only deployment paths are substituted (workingDir /app -> this directory, the control volume's
 * mount path -> a temporary directory, `node` -> this Node), plus HOST=127.0.0.1 and PORT=0 (tests listen on
 * loopback, on a free port).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WAIT_MARGIN_MS } from "@drain/cli";
import { afterEach, describe, expect, it } from "vitest";
import { fetchStatus, inFlight } from "./http.ts";
import { readManifest } from "./manifest.ts";
import { start, type Running } from "../../tooling/vitest/processes.ts";

const EXAMPLES = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const manifest = readManifest(readFileSync(join(EXAMPLES, "kubernetes/deployment.yaml"), "utf8"));
const config = JSON.parse(readFileSync(join(EXAMPLES, "config.json"), "utf8")) as { timeoutMs: number; notifyMs: number };

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.kill()));
});

function substitute(argv: readonly string[], volume: string): string[] {
  return argv.map((arg, i) =>
    i === 0 && arg === "node" ? process.execPath : arg.replaceAll(manifest.controlMountPath, volume).replace(/^\/app(?=\/|$)/, EXAMPLES),
  );
}

function launch(argv: readonly string[], volume: string, env: Record<string, string>): Running {
  const started = start(substitute(argv, volume), { cwd: EXAMPLES, env });
  running.push(started);
  return started;
}

describe("examples/kubernetes/deployment.yaml", () => {
  it("gives the drain its budget plus the CLI's margin before the kubelet kills, and probes the drain's routes", () => {
    expect(manifest.terminationGracePeriodSeconds * 1_000).toBeGreaterThanOrEqual(config.timeoutMs + WAIT_MARGIN_MS);
    expect(manifest.workingDir).toBe("/app");
    expect(manifest.readinessPath).toBe("/ready");
    expect(manifest.livenessPath).toBe("/live");
    expect(manifest.preStop.slice(1, 5)).toEqual(["stop", "--wait", "--socket", manifest.env["DRAIN_CONTROL_SOCKET"]]);
  });

  it("preStop returns 0 only after the server is gone, with the in-flight request done and readiness failing, liveness not", async () => {
    const volume = mkdtempSync(join(tmpdir(), "drain-k8s-"));
    const env = { ...manifest.env, DRAIN_CONTROL_SOCKET: substitute([manifest.env["DRAIN_CONTROL_SOCKET"] as string], volume)[0] as string };
    const server = launch(manifest.command, volume, { ...env, HOST: "127.0.0.1", PORT: "0" });
    const [, origin] = await server.line(/^example: listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(await fetchStatus(`${origin}${manifest.readinessPath}`)).toBe(200);
    const slow = await inFlight(`${origin}/slow?ms=${config.notifyMs + 1_000}`);

    const preStop = launch(manifest.preStop, volume, env);
    await preStop.line(/accepted the shutdown \(graceful\)/);
    const probes = await Promise.all([fetchStatus(`${origin}${manifest.readinessPath}`), fetchStatus(`${origin}${manifest.livenessPath}`)]);

    const [preStopExit, serverExit, slowDone] = await Promise.all([preStop.exit, server.exit, slow.done]);
    expect(probes).toEqual([503, 200]);
    expect(slowDone).toMatchObject({ status: 200, body: "slow response done\n" });
    expect(slowDone.at).toBeLessThan(serverExit.at);
    expect(serverExit).toMatchObject({ code: 0, signal: null });
    expect(serverExit.at).toBeLessThan(preStopExit.at);
    expect(preStopExit.code, preStop.stderr()).toBe(0);
    // What the kubelet does next: SIGTERM. There is no process left to get it.
    expect(() => process.kill(server.pid, "SIGTERM")).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });

  it("preStop exits 4 with a clear message when the server is not running", async () => {
    const volume = mkdtempSync(join(tmpdir(), "drain-k8s-"));
    const preStop = launch(manifest.preStop, volume, {});
    expect((await preStop.exit).code).toBe(4);
    expect(preStop.stderr()).toBe(`drain: no drain control endpoint at ${volume}/control.sock: is the service running with control: { socket: "${volume}/control.sock" }?\n`);
  });
});
