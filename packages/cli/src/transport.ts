import { request, type IncomingMessage } from "node:http";
import type { Target } from "./args.ts";
import { cliError, type CliError } from "./errors.ts";

/** One HTTP request to the control endpoint. */
export interface Call {
  readonly method: "GET" | "POST";
  readonly path: "/status" | "/shutdown";
  readonly token: string | undefined;
  readonly body?: string;
  /** Aborting destroys the connection; the pending promise or stream fails with the signal's reason. */
  readonly signal: AbortSignal;
}

/**
 * Send one request over the Unix socket or loopback TCP with `node:http` (its `socketPath` works on Node, Bun and
 * Deno alike, measured), and resolve with the response once its head arrived. Connection failures become
 * `ERR_DRAIN_CLI_UNREACHABLE` errors that say what to check.
 *
 * @example
 * ```ts
 * const response = await send({ socket: "/run/app/control.sock" }, { method: "GET", path: "/status", token: undefined, signal });
 * ```
 */
export function send(target: Target, call: Call): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: "application/json, application/x-ndjson" };
    if (call.token !== undefined) headers["authorization"] = `Bearer ${call.token}`;
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(call.body));
    }
    const where =
      "socket" in target
        ? { socketPath: target.socket, path: call.path }
        : { host: target.url.hostname.replace(/^\[|\]$/g, ""), port: target.url.port || 80, path: joinPath(target.url, call.path) };
    const req = request({ ...where, method: call.method, headers });
    const abort = (): void => {
      req.destroy(call.signal.reason as Error);
    };
    if (call.signal.aborted) abort();
    call.signal.addEventListener("abort", abort, { once: true });
    req.once("response", (response) => {
      response.once("close", () => call.signal.removeEventListener("abort", abort));
      resolve(response);
    });
    req.once("error", (error: NodeJS.ErrnoException) => {
      call.signal.removeEventListener("abort", abort);
      reject(call.signal.aborted ? call.signal.reason : unreachable(target, error));
    });
    req.end(call.body);
  });
}

/** Read a whole (small) response body as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  response.setEncoding("utf8");
  let text = "";
  for await (const chunk of response) text += chunk as string;
  return text;
}

/** How the CLI names the endpoint in messages. */
export function describeTarget(target: Target): string {
  return "socket" in target ? target.socket : target.url.origin + target.url.pathname.replace(/\/$/, "");
}

function joinPath(base: URL, path: string): string {
  return base.pathname.replace(/\/$/, "") + path;
}

function unreachable(target: Target, error: NodeJS.ErrnoException): CliError {
  const where = describeTarget(target);
  const serve = "socket" in target ? `control: { socket: "${where}" }` : `control: { port: ${target.url.port || 80}, token }`;
  switch (error.code) {
    case "ENOENT":
      return cliError("ERR_DRAIN_CLI_UNREACHABLE", `no drain control endpoint at ${where}: is the service running with ${serve}?`);
    case "ECONNREFUSED":
      return cliError(
        "ERR_DRAIN_CLI_UNREACHABLE",
        `nothing is listening at ${where}${"socket" in target ? " (a stale socket file?)" : ""}: is the service running with ${serve}?`,
      );
    case "EACCES":
    case "EPERM":
      return cliError("ERR_DRAIN_CLI_UNREACHABLE", `permission denied on ${where}: run drain as the service's user (or root).`);
    default:
      return cliError("ERR_DRAIN_CLI_UNREACHABLE", `cannot reach the drain control endpoint at ${where}: ${error.message}.`);
  }
}
