import type { Phase } from "@drain/core";

/** Time allowed after the budget for the process to exit, added to every extension systemd is asked for. */
const EXIT_MARGIN_MS = 5_000;

/** Sends one sd_notify message (newline-separated `KEY=VALUE` lines) to the `NOTIFY_SOCKET` socket. */
export type SupervisorSend = (socket: string, message: string) => void | Promise<void>;

/**
 * Tells systemd about the shutdown when the process runs under it (`NOTIFY_SOCKET` is set): `STOPPING=1` when the
 * shutdown starts, and `EXTEND_TIMEOUT_USEC` (what is left of the budget, plus a margin to exit) then and at every
 * progress tick, so a budget longer than `TimeoutStopSec` is not cut by SIGKILL. The first failure is reported
 * once and nothing more is sent: a missing `systemd-notify` must not turn every tick into an error.
 *
 * @example
 * ```ts
 * const notifier = new SupervisorNotifier(env.NOTIFY_SOCKET, binding.notifySupervisor, () => budgetEnd - now(), report);
 * notifier.phase("drain"); // STOPPING=1 + EXTEND_TIMEOUT_USEC=…
 * ```
 */
export class SupervisorNotifier {
  readonly #socket: string | undefined;
  readonly #send: SupervisorSend | undefined;
  readonly #budgetLeftMs: () => number;
  readonly #onError: (error: unknown) => void;
  #stopping = false;
  #failed = false;

  constructor(socket: string | undefined, send: SupervisorSend | undefined, budgetLeftMs: () => number, onError: (error: unknown) => void) {
    this.#socket = socket === "" ? undefined : socket;
    this.#send = send;
    this.#budgetLeftMs = budgetLeftMs;
    this.#onError = onError;
  }

  /** A phase began: the first one after serving says STOPPING=1. */
  phase(phase: Phase): void {
    if (phase === "serving" || phase === "stopped" || this.#stopping) return;
    this.#stopping = true;
    this.#notify(`STOPPING=1\n${this.#extension()}`);
  }

  /** A progress tick: extend again (systemd only ever lengthens its timeout, so repeating is harmless). */
  progress(): void {
    if (this.#stopping) this.#notify(this.#extension());
  }

  #extension(): string {
    return `EXTEND_TIMEOUT_USEC=${Math.ceil(Math.max(0, this.#budgetLeftMs()) + EXIT_MARGIN_MS) * 1000}`;
  }

  #notify(message: string): void {
    const socket = this.#socket;
    const send = this.#send;
    if (socket === undefined || send === undefined || this.#failed) return;
    const fail = (error: unknown): void => {
      if (this.#failed) return;
      this.#failed = true;
      this.#onError(error);
    };
    try {
      const sent = send(socket, message);
      if (sent !== undefined) sent.catch(fail);
    } catch (error) {
      fail(error);
    }
  }
}

/**
 * The arguments for the `systemd-notify` binary that sends `message` (one `KEY=VALUE` argument per line), for
 * runtimes that cannot open an AF_UNIX datagram socket themselves.
 *
 * @example
 * ```ts
 * spawn("systemd-notify", systemdNotifyArgs("STOPPING=1\nEXTEND_TIMEOUT_USEC=30000000"));
 * ```
 */
export function systemdNotifyArgs(message: string): string[] {
  return message.split("\n").filter((line) => line !== "");
}

/**
 * The error for a `systemd-notify` that could not run (`exitCode` undefined) or exited non-zero.
 *
 * @example
 * ```ts
 * child.once("exit", (code) => (code === 0 ? resolve() : reject(systemdNotifyError(code))));
 * ```
 */
export function systemdNotifyError(exitCode?: number | null): Error {
  return exitCode === undefined
    ? new Error("systemd-notify is not installed, so systemd was not told STOPPING=1; install systemd or unset NOTIFY_SOCKET.")
    : new Error(`systemd-notify exited with ${String(exitCode)}; give the unit NotifyAccess=all so systemd accepts its messages.`);
}
