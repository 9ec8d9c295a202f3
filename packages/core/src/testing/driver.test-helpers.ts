/**
 * A minimal stand-in for the engine: it feeds ticks at `nextDeadline`, answers `run-hook` with `hook-done`
 * and, like a real adapter, reports `closed` for what the core closed or destroyed. Test-only; not exported.
 */
import { nextDeadline, step } from "../index.ts";
import type { Command, Id, Input, Report } from "../types.ts";
import type { State } from "./fixtures.test-helpers.ts";

/** How the pretend engine answers a `run-hook`: succeed, fail with a message, or never settle. */
export type HookAnswer = { readonly result: "ok" } | { readonly result: "error"; readonly error: string } | { readonly result: "hang" };

export interface DriveOptions {
  /** Answer for each hook; `ok` when absent. */
  readonly hooks?: (name: string) => HookAnswer;
  /** Report `closed` for every id the core closes, destroys or ends (SSE, WebSocket), as a real adapter would. Default true. */
  readonly autoClose?: boolean;
  /** Called after every step, e.g. to check invariants. */
  readonly observe?: (input: Input, commands: readonly Command[], state: State) => void;
  /** Give up after this many steps: a machine that never stops is a failure, not a hang. Default 10 000. */
  readonly maxSteps?: number;
}

export interface DriveResult {
  readonly state: State;
  readonly now: number;
  /** The commands of the steps this driver ran (not the `pending` ones it was handed). */
  readonly commands: readonly Command[];
  readonly report: Report;
  /** Every input fed, with the time it was fed at, for failure messages. */
  readonly inputs: readonly Input[];
}

/** Which commands make the adapter report the id as closed (a WebSocket client answers the close handshake). */
function closesId(command: Command): Id | undefined {
  switch (command.type) {
    case "close":
    case "destroy":
    case "end-sse":
    case "close-ws":
      return command.id;
    default:
      return undefined;
  }
}

/**
 * Run the machine until it emits `stopped`, starting at `now` with `pending` commands still to be answered
 * (the commands of the step that started the shutdown). Throws when it gets stuck or runs too long.
 */
export function runUntilStopped(start: State, now: number, pending: readonly Command[], options: DriveOptions = {}): DriveResult {
  const answer = options.hooks ?? ((): HookAnswer => ({ result: "ok" }));
  const autoClose = options.autoClose ?? true;
  const maxSteps = options.maxSteps ?? 10_000;
  const queue: Input[] = [];
  const commands: Command[] = [];
  const inputs: Input[] = [];
  let state = start;
  let clock = now;
  let report: Report | undefined;
  // An id is reported closed once, even when the core first ends it (SSE) and then destroys it.
  const reportedClosed = new Set<Id>();

  const react = (emitted: readonly Command[]): void => {
    for (const command of emitted) {
      if (command.type === "stopped") report = command.report;
      if (command.type === "run-hook") {
        const a = answer(command.name);
        if (a.result === "ok") queue.push({ type: "hook-done", name: command.name, now: clock });
        if (a.result === "error") queue.push({ type: "hook-done", name: command.name, error: a.error, now: clock });
      }
      const id = closesId(command);
      if (autoClose && id !== undefined && !reportedClosed.has(id)) {
        reportedClosed.add(id);
        queue.push({ type: "closed", id, now: clock });
      }
    }
  };

  react(pending);
  for (let steps = 0; report === undefined; steps++) {
    if (steps >= maxSteps) throw new Error(`not stopped after ${maxSteps} steps (now=${clock})`);
    let input = queue.shift();
    if (input === undefined) {
      const deadline = nextDeadline(state);
      if (deadline === undefined) throw new Error(`stuck at now=${clock}: not stopped and no deadline to wait for`);
      clock = Math.max(clock, deadline);
      input = { type: "tick", now: clock };
    }
    inputs.push(input);
    const [next, emitted] = step(state, input);
    state = next;
    options.observe?.(input, emitted, state);
    commands.push(...emitted);
    react(emitted);
  }
  return { state, now: clock, commands, report, inputs };
}
