/**
 * The `drain` command as users start it, on every runtime it promises: Node 20 (the bin loads src/ through tsx),
 * Node 24 (native type stripping), an installed copy on Node (dist/, built as prepack builds it, no tsx in reach),
 * Bun and Deno (src/ directly). Each talks to a stub control endpoint over its Unix socket.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketDir } from "./testing/run-cli.ts";
import { startStubControl, type StubControl } from "./testing/stub-control.ts";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(PACKAGE, "../..");
const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");
const DENO = join(ROOT, "node_modules/deno/deno");
// @drain/node24 pins Node 24 for the conformance suite; the CLI borrows its binary (test only).
const { node24 } = (await import(join(ROOT, "tooling/node24/index.js"))) as { node24: string };

/** A copy laid out as `npm install @drain/cli` leaves it: bin/ and dist/ inside node_modules. */
const installRoot = mkdtempSync(join(tmpdir(), "drain-cli-installed-"));
const installed = join(installRoot, "node_modules/@drain/cli");

const launchers: Record<string, () => readonly string[]> = {
  "node 20, bin (src via tsx)": () => [process.execPath, join(PACKAGE, "bin/drain.mjs")],
  "node 24, bin (src, type stripping)": () => [node24, join(PACKAGE, "bin/drain.mjs")],
  "node 20, installed bin (dist)": () => [process.execPath, join(installed, "bin/drain.mjs")],
  "bun, bin": () => [BUN, join(PACKAGE, "bin/drain.mjs")],
  "bun, src/main.ts": () => [BUN, join(PACKAGE, "src/main.ts")],
  "deno run -A, src/main.ts": () => [DENO, "run", "-A", join(PACKAGE, "src/main.ts")],
  "deno run -A, bin": () => [DENO, "run", "-A", join(PACKAGE, "bin/drain.mjs")],
};

let status: StubControl;
let stalls: StubControl;
beforeAll(async () => {
  mkdirSync(installed, { recursive: true });
  cpSync(join(PACKAGE, "bin"), join(installed, "bin"), { recursive: true });
  await promisify(execFile)(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(PACKAGE, "tsconfig.build.json"), "--outDir", join(installed, "dist")]);
  status = await startStubControl({ scenario: "clean", listen: join(socketDir(), "c.sock") });
  stalls = await startStubControl({ scenario: "stalls", listen: join(socketDir(), "c.sock") });
}, 60_000);
afterAll(async () => {
  await status.close();
  await stalls.close();
  rmSync(installRoot, { recursive: true, force: true });
});

function drain(launcher: () => readonly string[], args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [file, ...rest] = launcher() as [string, ...string[]];
  return new Promise((resolve) => {
    // No PATH to tsx or the repo here for the installed copy: cwd is its temporary directory.
    const child = spawn(file, [...rest, ...args], { cwd: installRoot, env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(Object.entries(launchers))("drain on %s", (_name, launcher) => {
  it("prints the status", async () => {
    expect(await drain(launcher, ["status", ...status.flags])).toEqual({ code: 0, stdout: `drain: pid ${process.pid} (node) serving: 1 requests in flight, 1 active, 1 idle, 2 SSE\n`, stderr: "" });
  }, 30_000);

  it("starts a stop and returns once accepted", async () => {
    const result = await drain(launcher, ["stop", ...stalls.flags, "--mode", "lameduck"]);
    expect(result).toEqual({ code: 0, stdout: `drain: pid ${process.pid} accepted the shutdown (graceful): phase notify, deadline in 2.0 s\n`, stderr: "" });
  }, 30_000);

  it("retries a 429 and then prints the status", async () => {
    // Retry-After 0: this checks the retry path on each runtime; stop.test.ts checks that the wait is honoured.
    const limited = await startStubControl({ scenario: "clean", listen: join(socketDir(), "c.sock"), rateLimit: { count: 1, retryAfterSeconds: 0 } });
    try {
      expect(await drain(launcher, ["status", ...limited.flags])).toEqual({
        code: 0,
        stdout: `drain: pid ${process.pid} (node) serving: 1 requests in flight, 1 active, 1 idle, 2 SSE\n`,
        stderr: "drain: the control endpoint is rate limiting requests; retrying in 0.0 s.\n",
      });
      expect(limited.requests).toHaveLength(2);
    } finally {
      await limited.close();
    }
  }, 30_000);

  it("exits 4 with the message when there is no endpoint", async () => {
    const socket = join(socketDir(), "none.sock");
    const result = await drain(launcher, ["stop", "--wait", "--socket", socket]);
    expect(result).toEqual({ code: 4, stdout: "", stderr: `drain: no drain control endpoint at ${socket}: is the service running with control: { socket: "${socket}" }?\n` });
  }, 30_000);
});
