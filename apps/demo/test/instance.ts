/**
 * Starts one demo instance (node.ts, bun.ts or deno.ts) as a child process in its own process group and watches
 * its stderr lines and its exit. Every wait is on a line or the exit, and bounded.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Runtime = "node" | "bun" | "deno";

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `performance.now()` at the exit. */
  readonly at: number;
}

export interface Instance {
  readonly pid: number;
  /** Resolves with the first line matching `pattern` (also one already printed); rejects after `timeoutMs` or at exit. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Every line printed so far, stdout and stderr. */
  output(): string;
  readonly exit: Promise<Exit>;
  /** SIGKILL the whole process group if it still runs, and wait for the exit. */
  stop(): Promise<void>;
}

const DEMO_DIR = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

/** The command line of each entry point. Bun and Deno are the real binaries: signals must reach the server itself. */
export function command(runtime: Runtime): string[] {
  switch (runtime) {
    case "node":
      return [process.execPath, "--import", "tsx", "node.ts"];
    case "bun":
      return [join(packageDir("bun"), "bin", "bun.exe"), "bun.ts"];
    case "deno":
      return [join(packageDir("deno"), "deno"), "run", "-A", "deno.ts"];
  }
}

/**
 * Start one instance of the demo on `port`.
 *
 * @example
 * ```ts
 * const a = startInstance("deno", 3000, { TICK_MS: "200" });
 * await a.waitForLine(/listening on/);
 * ```
 */
export function startInstance(runtime: Runtime, port: number, env: Record<string, string> = {}): Instance {
  const [file, ...args] = command(runtime);
  const child = spawn(file as string, args, {
    cwd: DEMO_DIR,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, PORT: String(port), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let exited = false;
  const exit = new Promise<Exit>((resolve) => {
    // Timed at 'exit', settled at 'close': only then has the last of stdout and stderr arrived.
    let at = 0;
    child.once("exit", () => (at = performance.now()));
    child.once("close", (code, signal) => {
      exited = true;
      resolve({ code, signal, at: at || performance.now() });
      for (const listener of listeners) listener();
    });
    child.once("error", (error) => {
      lines.push(`spawn error: ${error.message}`);
      exited = true;
      resolve({ code: null, signal: null, at: performance.now() });
      for (const listener of listeners) listener();
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      lines.push(...parts);
      for (const listener of listeners) listener();
    });
  }

  return {
    pid: child.pid ?? -1,
    exit,
    output: () => lines.join("\n"),
    waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = lines.find((candidate) => pattern.test(candidate));
          if (line !== undefined) done(() => resolve(line));
          else if (exited) done(() => reject(new Error(`${runtime} exited before printing ${pattern}:\n${lines.join("\n")}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${runtime}: no line ${pattern} within ${timeoutMs} ms:\n${lines.join("\n")}`))),
          timeoutMs,
        );
        const done = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(): Promise<void> {
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // The group is already gone.
        }
      }
      await exit;
    },
  };
}
