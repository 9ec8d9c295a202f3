/**
 * Child processes for whole-system tests (the examples' systemd and Kubernetes stops, the packed-tarball consumers):
 * a server started as a supervisor starts it, and the commands run against it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `performance.now()` when the exit was seen. */
  readonly at: number;
}

export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exit: Promise<Exit>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the first line of `stream` (stdout unless named) matching `pattern`, printed or to come; rejects at exit. */
  readonly line: (pattern: RegExp, stream?: "stdout" | "stderr") => Promise<RegExpMatchArray>;
  /** Send `signal` to the whole process group (started with `group: true`), as a terminal or a group kill does. */
  readonly signalGroup: (signal: NodeJS.Signals) => void;
  /** SIGKILL if still running (the whole group, when it has one), and wait for the exit. */
  readonly kill: () => Promise<void>;
}

/**
 * Spawn `argv` (no shell, as systemd and the kubelet do) with exactly `env` plus PATH; with `group`, in a process
 * group of its own, so that it and whatever it starts can be signalled together.
 */
export function start(
  argv: readonly string[],
  options: { readonly cwd: string; readonly env: Record<string, string>; readonly group?: boolean },
): Running {
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { PATH: process.env["PATH"] ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.group === true,
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // The group is already gone.
    }
  };
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  // A copy: a waiter that is satisfied removes itself while they are being woken.
  const wakeAll = (): void => [...waiters].forEach((wake) => wake());
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    wakeAll();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    wakeAll();
  });
  let exited = false;
  // Timed at 'exit', settled at 'close': only then has the last of stdout and stderr arrived.
  let at = 0;
  child.once("exit", () => (at = performance.now()));
  const exit = new Promise<Exit>((resolve) =>
    child.once("close", (code, signal) => {
      exited = true;
      resolve({ code, signal, at: at || performance.now() });
      wakeAll();
    }),
  );
  return {
    child,
    pid: child.pid as number,
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    line: (pattern, stream = "stdout") =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = (stream === "stdout" ? stdout : stderr).split("\n").map((line) => pattern.exec(line)).find((found) => found !== null);
          if (match) resolve(match);
          else if (exited) reject(new Error(`exited without printing ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
          else return;
          waiters.splice(waiters.indexOf(check), 1);
        };
        waiters.push(check);
        check();
      }),
    signalGroup,
    kill: async () => {
      if (options.group === true) signalGroup("SIGKILL");
      else if (!exited) child.kill("SIGKILL");
      await exit;
    },
  };
}
