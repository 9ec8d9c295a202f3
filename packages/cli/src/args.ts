import { parseArgs } from "node:util";
import { parseDuration } from "./durations.ts";
import { cliError } from "./errors.ts";
import type { Mode } from "./protocol.ts";

/** Where the control endpoint is: a Unix socket path or a loopback `http://` URL. */
export type Target = { readonly socket: string } | { readonly url: URL };

interface Common {
  readonly target: Target;
  /** Bearer token (from `--token` or `DRAIN_CONTROL_TOKEN`). */
  readonly token: string | undefined;
  /** Print the server's raw JSON lines instead of human lines. */
  readonly json: boolean;
}

/** `drain status`. */
export interface StatusInvocation extends Common {
  readonly command: "status";
}

/** `drain stop`. */
export interface StopInvocation extends Common {
  readonly command: "stop";
  readonly mode: Mode | undefined;
  /** The server's budget (`timeoutMs` in the request); the server's own default when absent. */
  readonly timeoutMs: number | undefined;
  readonly reason: string | undefined;
  /** Follow progress until the report and until the server process is gone. */
  readonly wait: boolean;
  /** How long the CLI waits in all; default: until the budget end the server reports on every line, plus `WAIT_MARGIN_MS`. */
  readonly waitTimeoutMs: number | undefined;
}

/** `drain help` / `--help`. */
export interface HelpInvocation {
  readonly command: "help";
}

export type Invocation = StatusInvocation | StopInvocation | HelpInvocation;

const MODES: readonly Mode[] = ["graceful", "lameduck", "immediate"];
const STOP_ONLY = ["mode", "timeout", "reason", "wait", "wait-timeout"] as const;
const LOOPBACK_HOST = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/;
/** The server refuses longer reasons (they go into its log and report). */
export const MAX_REASON_CHARS = 200;

const OPTIONS = {
  socket: { type: "string" },
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  mode: { type: "string" },
  timeout: { type: "string" },
  reason: { type: "string" },
  wait: { type: "boolean" },
  "wait-timeout": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Turn the command line (without the program name) into an {@link Invocation}. Every mistake throws a usage error
 * (`ERR_DRAIN_CLI_USAGE`, exit 2) whose message says what to type instead; nothing is sent before this passes.
 *
 * @example
 * ```ts
 * parseInvocation(["stop", "--wait", "--socket", "/run/app/control.sock"], process.env);
 * // { command: "stop", wait: true, target: { socket: "/run/app/control.sock" }, ... }
 * ```
 */
export function parseInvocation(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(`${(error as Error).message.replace(/\.$/, "")}.`);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help === true || command === "help") return { command: "help" };
  if (command === undefined) throw usage("say what to do: drain status or drain stop.");
  if (command !== "status" && command !== "stop") throw usage(`unknown command '${command}': use status or stop.`);
  if (positionals.length > 1) throw usage(`unexpected argument '${positionals[1]}': flags start with --.`);

  const common: Common = {
    target: parseTarget(values.socket, values.url),
    token: parseToken(values.token ?? nonEmpty(env["DRAIN_CONTROL_TOKEN"])),
    json: values.json === true,
  };
  if (command === "status") {
    const misplaced = STOP_ONLY.find((name) => values[name] !== undefined);
    if (misplaced !== undefined) throw usage(`--${misplaced} is for drain stop; drain status only reads.`);
    return { command, ...common };
  }
  return {
    command,
    ...common,
    mode: values.mode === undefined ? undefined : parseMode(values.mode),
    timeoutMs: values.timeout === undefined ? undefined : duration("--timeout", values.timeout),
    reason: values.reason === undefined ? undefined : parseReason(values.reason),
    wait: values.wait === true,
    waitTimeoutMs: values["wait-timeout"] === undefined ? undefined : duration("--wait-timeout", values["wait-timeout"]),
  };
}

function parseTarget(socket: string | undefined, url: string | undefined): Target {
  if (socket !== undefined && url !== undefined) throw usage("give --socket or --url, not both.");
  if (socket !== undefined) {
    if (socket === "") throw usage("--socket needs the path of the control socket, e.g. --socket /run/app/control.sock.");
    return { socket };
  }
  if (url === undefined) {
    throw usage("say where the control endpoint is: --socket /run/app/control.sock or --url http://127.0.0.1:9090.");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--url must be a URL like http://127.0.0.1:9090; got '${url}'.`);
  }
  if (parsed.protocol !== "http:" || !LOOPBACK_HOST.test(parsed.hostname)) {
    throw usage(
      `--url must be http:// on loopback (127.0.0.1, [::1] or localhost); got '${url}'. ` +
        "The control endpoint answers local peers only, and --wait watches a local process.",
    );
  }
  return { url: parsed };
}

function parseToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token === "" || /[\s]/.test(token)) throw usage("--token (or DRAIN_CONTROL_TOKEN) must be a non-empty token without spaces.");
  return token;
}

function parseMode(mode: string): Mode {
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode;
  throw usage(`--mode must be graceful, lameduck or immediate; got '${mode}'.`);
}

function parseReason(reason: string): string {
  if (reason.length > MAX_REASON_CHARS) throw usage(`--reason must be at most ${MAX_REASON_CHARS} characters (got ${reason.length}): say it in a sentence.`);
  return reason;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(flag, text);
  } catch (error) {
    throw usage((error as Error).message);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function usage(message: string): Error {
  return cliError("ERR_DRAIN_CLI_USAGE", `${message} Run drain --help for the full usage.`);
}
