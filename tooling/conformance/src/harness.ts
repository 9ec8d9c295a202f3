/**
 * Starts one fixture server as a child process and watches it: its stdout protocol lines
 * (`READY`, `HOOK`, `REPORT`), its stderr (shown only when a case fails), the signals sent to it
 * and how and when it exited. Every wait is on an event (a line, an exit) and is bounded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Report } from "@drain/core";
import type { Protocol, Target } from "./targets.ts";

/** The directory fixtures run in (`tooling/conformance`). */
export const CONFORMANCE_DIR: string = fileURLToPath(new URL("..", import.meta.url));

export interface FixtureHookSpec {
  readonly name: string;
  readonly order: number;
  readonly behaviour: "ok" | "throw" | "hang";
  readonly timeoutMs: number;
}

export interface StartOptions {
  /** `DRAIN_OPTIONS` for the fixture. */
  readonly options?: Record<string, unknown>;
  /** `FIXTURE_HOOKS` for the fixture. */
  readonly hooks?: readonly FixtureHookSpec[];
  /** Overrides the target's protocol (Node fixtures only). */
  readonly protocol?: Protocol;
  /** Extra environment for the fixture (after the target's own). */
  readonly env?: Record<string, string>;
  /** How long to wait for `READY`. Default 20 s (cold Deno/Bun/tsx starts on a busy 2-core machine). */
  readonly readyTimeoutMs?: number;
}

export interface ExitResult {
  /** Exit code, or null when the process died by a signal. */
  readonly code: number | null;
  /** The signal that killed it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from the first signal the suite sent to the exit (NaN when none was sent). */
  readonly msSinceSignal: number;
  /** Milliseconds from the most recent signal the suite sent to the exit. */
  readonly msSinceLastSignal: number;
  /** `performance.now()` at the exit. */
  readonly at: number;
}

export interface Fixture {
  /** `http://127.0.0.1:PORT` or `https://…`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly target: Target;
  readonly protocol: Protocol;
  /** Send a signal to the fixture process; returns `performance.now()` at the send. */
  signal(name: NodeJS.Signals): number;
  /** `performance.now()` of the first signal sent, or undefined. */
  readonly signalledAt: number | undefined;
  /** Resolves (never rejects) once the process exited and its output is read. */
  readonly exit: Promise<ExitResult>;
  /** Whether the process has exited. */
  exited(): boolean;
  /** Every stdout line so far. */
  readonly stdoutLines: readonly string[];
  /** Resolves with the first stdout line starting with `prefix` (also one already printed); rejects after `timeoutMs` or at exit. */
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  /** The parsed `REPORT` line; throws when there is none. */
  report(): Report;
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first stderr line containing `text` (also one already printed); rejects after `timeoutMs` or at exit. */
  waitForStderr(text: string, timeoutMs?: number): Promise<string>;
  /** Kill the whole process group if still running and wait for the exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Raised when a fixture does not become ready; the message carries its stderr. */
export class FixtureError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "FixtureError";
    this.code = code;
  }
}

const EXIT_OUTPUT_GRACE_MS = 1000;

/**
 * Spawn a target's fixture and wait for its `READY` line.
 *
 * @example
 * ```ts
 * const fixture = await startFixture(targets.node20Http, { options: { notifyMs: 0 } });
 * fixture.signal("SIGTERM");
 * const { code, msSinceSignal } = await fixture.exit;
 * ```
 */
export async function startFixture(target: Target, options: StartOptions = {}): Promise<Fixture> {
  const protocol = options.protocol ?? target.protocol;
  const [command, ...args] = target.command();
  if (command === undefined) throw new FixtureError("E_FIXTURE_COMMAND", `target ${target.name} has an empty command`);
  const child = spawn(command, args, {
    cwd: CONFORMANCE_DIR,
    // Its own process group, so stop() can kill it whole even if a runtime spawned helpers.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...target.env,
      ...options.env,
      DRAIN_OPTIONS: JSON.stringify(options.options ?? {}),
      FIXTURE_HOOKS: JSON.stringify(options.hooks ?? []),
      FIXTURE_PROTOCOL: protocol,
      NO_COLOR: "1",
    },
  });
  const watched = watch(child);
  const fixture = makeFixture(target, protocol, child, watched);
  try {
    const line = await fixture.waitForLine("READY ", options.readyTimeoutMs ?? 20_000);
    const { url } = JSON.parse(line.slice("READY ".length)) as { url: string };
    const port = Number(new URL(url).port);
    Object.assign(fixture, { url, port });
    return fixture;
  } catch (error) {
    await fixture.stop();
    throw new FixtureError(
      "E_FIXTURE_NOT_READY",
      `${target.name}: no READY line (${(error as Error).message}). Command: ${[command, ...args].join(" ")}\n--- stderr ---\n${watched.stderr.join("")}`,
    );
  }
}

interface Watched {
  readonly lines: string[];
  readonly stderr: string[];
  readonly lineListeners: Set<() => void>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  exited: boolean;
  /** Exited and its output read (or given up on). */
  finished: boolean;
}

function watch(child: ChildProcess): Watched {
  const watched: Watched = {
    lines: [],
    stderr: [],
    lineListeners: new Set(),
    exited: false,
    finished: false,
    exit: new Promise((resolve) => {
      let exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
      let outputClosed = false;
      const settle = (): void => {
        if (exitInfo === undefined || watched.finished) return;
        watched.finished = true;
        resolve(exitInfo);
        for (const listener of watched.lineListeners) listener();
      };
      child.once("exit", (code, signal) => {
        exitInfo = { code, signal, at: performance.now() };
        watched.exited = true;
        // Lines printed just before the exit arrive with 'close'; a leftover grandchild holding the pipe must not block us.
        if (outputClosed) settle();
        else setTimeout(settle, EXIT_OUTPUT_GRACE_MS).unref();
      });
      child.once("close", () => {
        outputClosed = true;
        settle();
      });
      child.once("error", (error) => {
        watched.stderr.push(`spawn error: ${error.message}\n`);
        exitInfo = { code: null, signal: null, at: performance.now() };
        watched.exited = true;
        settle();
      });
    }),
  };
  let pending = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      watched.lines.push(pending.slice(0, newline).replace(/\r$/, ""));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
    for (const listener of watched.lineListeners) listener();
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    watched.stderr.push(chunk);
    for (const listener of watched.lineListeners) listener();
  });
  return watched;
}

function makeFixture(target: Target, protocol: Protocol, child: ChildProcess, watched: Watched): Fixture {
  const pid = child.pid ?? -1;
  const signals: number[] = [];
  const exit = watched.exit.then((info) => ({
    code: info.code,
    signal: info.signal,
    at: info.at,
    msSinceSignal: signals.length > 0 ? info.at - (signals[0] as number) : Number.NaN,
    msSinceLastSignal: signals.length > 0 ? info.at - (signals[signals.length - 1] as number) : Number.NaN,
  }));
  let stopping: Promise<void> | undefined;
  const fixture: Fixture = {
    url: "",
    port: 0,
    pid,
    target,
    protocol,
    get signalledAt(): number | undefined {
      return signals[0];
    },
    signal(name: NodeJS.Signals): number {
      const at = performance.now();
      signals.push(at);
      process.kill(pid, name);
      return at;
    },
    exit,
    exited: () => watched.exited,
    stdoutLines: watched.lines,
    waitForLine: (prefix, timeoutMs = 10_000) => waitForLine(watched, prefix, timeoutMs),
    report(): Report {
      const line = watched.lines.find((l) => l.startsWith("REPORT "));
      if (line === undefined) throw new FixtureError("E_NO_REPORT", `${target.name}: the fixture printed no REPORT line`);
      return JSON.parse(line.slice("REPORT ".length)) as Report;
    },
    stderr: () => watched.stderr.join(""),
    waitForStderr: (text, timeoutMs = 10_000) => waitForStderr(watched, text, timeoutMs),
    stop(): Promise<void> {
      stopping ??= (async (): Promise<void> => {
        if (!watched.exited && pid > 0) {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            // Already gone between the check and the kill.
          }
        }
        await watched.exit;
      })();
      return stopping;
    },
  };
  return fixture;
}

function waitForLine(watched: Watched, prefix: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const line = watched.lines.find((l) => l.startsWith(prefix));
      if (line !== undefined) {
        done();
        resolve(line);
        return true;
      }
      if (watched.finished) {
        done();
        reject(new Error(`the process exited before printing a line starting with ${JSON.stringify(prefix)}`));
        return true;
      }
      return false;
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no line starting with ${JSON.stringify(prefix)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      watched.lineListeners.delete(listener);
    };
    const listener = (): void => {
      check();
    };
    if (check()) return;
    watched.lineListeners.add(listener);
  });
}

function waitForStderr(watched: Watched, text: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const find = (): string | undefined => watched.stderr.join("").split("\n").find((line) => line.includes(text));
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no stderr line containing ${JSON.stringify(text)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      watched.lineListeners.delete(listener);
    };
    const listener = (): void => {
      const line = find();
      if (line !== undefined) {
        done();
        resolve(line);
      } else if (watched.finished) {
        done();
        reject(new Error(`the process exited before printing a stderr line containing ${JSON.stringify(text)}`));
      }
    };
    watched.lineListeners.add(listener);
    listener();
  });
}
