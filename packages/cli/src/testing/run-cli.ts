/** Helpers for the CLI's tests: run it in-process with captured output, and start stub servers as processes. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../run.ts";
import type { Scenario } from "./stub-control.ts";

export interface CliResult {
  readonly code: number;
  readonly out: readonly string[];
  readonly err: readonly string[];
}

/** Run the CLI in this process; every printed line is captured. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (line) => out.push(line), err: (line) => err.push(line) }, env);
  return { code, out, err };
}

/** A fresh directory for sockets; paths stay short (a Unix socket path is limited to about 100 bytes). */
export function socketDir(): string {
  return mkdtempSync(join(tmpdir(), "drain-cli-"));
}

export interface StubProcess {
  readonly pid: number;
  readonly socket: string;
  /** Resolves with the exit code once the process exited. */
  readonly exit: Promise<number | null>;
  exited(): boolean;
  kill(): void;
}

const STUB = fileURLToPath(new URL("./stub-process.ts", import.meta.url));

/** Start stub-process.ts with Node (through tsx) and wait for its READY line. */
export async function startStubProcess(scenario: Scenario, exitAfter: string): Promise<StubProcess> {
  const socket = join(socketDir(), "control.sock");
  const child = spawn(process.execPath, ["--import", "tsx", STUB, scenario, socket, exitAfter], { stdio: ["ignore", "pipe", "inherit"] });
  let exitedAt = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitedAt = true;
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("READY\n")) resolve();
    });
    void exit.then((code) => reject(new Error(`stub exited with ${code} before READY`)));
  });
  return {
    pid: child.pid as number,
    socket,
    exit,
    exited: () => exitedAt,
    kill: () => {
      if (!exitedAt) child.kill("SIGKILL");
    },
  };
}
