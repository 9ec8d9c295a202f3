/**
 * Shared test vocabulary: capability presets for the three runtimes, option builders and small
 * helpers that make example tests read like a transcript of inputs and commands. Test-only; not exported.
 */
import { initial, step } from "../index.ts";
import type { Capabilities, Command, Input, Options, Report } from "../types.ts";

/** The machine's state, whatever the implementation calls it. */
export type State = ReturnType<typeof initial>;

/** Node: sees every socket from accept and can close or destroy each one. */
export const NODE: Capabilities = {
  closeConnection: true,
  forceConnection: true,
  seesNeverUsed: true,
  goaway: true,
  connectionClose: true,
};

/** Bun and Deno: request-level tracking only; their own stop closes idle connections, force is all-or-nothing. */
export const REQUEST_LEVEL: Capabilities = {
  closeConnection: false,
  forceConnection: false,
  seesNeverUsed: false,
  goaway: false,
  connectionClose: true,
};

/** Options for a Node-like adapter, overridable per test. */
export function nodeOptions(overrides: Partial<Options> = {}): Options {
  return { capabilities: NODE, ...overrides };
}

/** Feed inputs one after another; return the final state and every command, in order. */
export function feed(state: State, inputs: readonly Input[]): [State, readonly Command[]] {
  const all: Command[] = [];
  let current = state;
  for (const input of inputs) {
    const [next, commands] = step(current, input);
    current = next;
    all.push(...commands);
  }
  return [current, all];
}

/** Commands of one type, narrowed. */
export function ofType<T extends Command["type"]>(commands: readonly Command[], type: T): Extract<Command, { type: T }>[] {
  return commands.filter((c): c is Extract<Command, { type: T }> => c.type === type);
}

/** The phases entered by these commands, in order. */
export function phases(commands: readonly Command[]): string[] {
  return ofType(commands, "phase").map((c) => c.phase);
}

/** The report of the `stopped` command among these, or a test failure that says it is missing. */
export function reportOf(commands: readonly Command[]): Report {
  const stopped = ofType(commands, "stopped");
  if (stopped.length !== 1) throw new Error(`expected exactly one "stopped" command, got ${stopped.length}`);
  return (stopped[0] as { report: Report }).report;
}

/** The stable `code` of the error `fn` throws, or a test failure if it does not throw a DrainError. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error && error.name === "DrainError") return String((error as { code?: unknown }).code);
    throw new Error(`expected a DrainError, got ${String(error)}`);
  }
  throw new Error("expected a DrainError, but nothing was thrown");
}

/** A graceful SIGTERM shutdown request without hooks; spread it and add `now` (and whatever else differs). */
export const SIGTERM = { type: "shutdown", mode: "graceful", reason: "SIGTERM", seed: 42, hooks: [] } as const;
