/**
 * One benchmark server as a child process: started through `sh -c 'ulimit -n <hard>; exec ...'` so it may hold
 * tens of thousands of sockets and so the pid is the runtime's own (signals reach it, not a shell). Resolves
 * when the server prints `READY <url>`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { BENCH_DIR, type Runtime, serverCommand } from "./runtimes.ts";

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) and the `performance.now()` when the process exited. */
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  /** Everything the server wrote to stderr so far (for error messages). */
  stderr(): string;
  /** The last 64 KiB the server wrote to stdout (its `REPORT` line, for instances). */
  stdout(): string;
}

export interface StartOptions {
  readonly runtime: Runtime;
  readonly name: "hello" | "instance";
  readonly variant: string;
  readonly port?: number;
  readonly drainOptions?: Record<string, unknown>;
  /** Milliseconds per SSE tick (instances). */
  readonly tickMs?: number;
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Start a server and wait until it listens. */
export function startServer(options: StartOptions): Promise<ServerProcess> {
  const argv = serverCommand(options.runtime, options.name).map(shellQuote).join(" ");
  const child = spawn("sh", ["-c", `ulimit -n "$(ulimit -Hn)"; exec ${argv}`], {
    cwd: BENCH_DIR,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(options.port ?? 0),
      VARIANT: options.variant,
      DRAIN_OPTIONS: JSON.stringify(options.drainOptions ?? {}),
      ...(options.tickMs === undefined ? {} : { TICK_MS: String(options.tickMs) }),
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
    },
  });
  let errors = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    errors = (errors + chunk).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let resolved = false;
    const onData = (chunk: string): void => {
      out = (out + chunk).slice(-65_536);
      if (resolved) return;
      const match = /READY (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (!match) return;
      resolved = true;
      resolve({ url: match[1] as string, port: Number(match[2]), pid: child.pid as number, child, exited, stderr: () => errors, stdout: () => out });
    };
    child.stdout?.setEncoding("utf8").on("data", onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`${options.runtime} ${options.name} (${options.variant}) exited before READY (code ${code}, signal ${signal}): ${errors}`)),
    );
  });
}

/** SIGTERM, then SIGKILL if it has not exited after `killAfterMs` (what a supervisor does). */
export async function stopServer(server: ServerProcess, killAfterMs: number): Promise<{ code: number | null; signal: string | null; at: number; killed: boolean }> {
  server.child.kill("SIGTERM");
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    server.child.kill("SIGKILL");
  }, killAfterMs);
  const result = await server.exited;
  clearTimeout(timer);
  return { ...result, killed };
}

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc/<pid>/stat, 10 ms resolution). */
export function cpuMs(pid: number): number {
  // Fields after the command name (which is in parentheses and may contain spaces): utime and stime are 12 and 13.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident memory of a process in bytes (Linux: /proc/<pid>/status VmRSS). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}
