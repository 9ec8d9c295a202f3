import { request } from "node:http";
import type { Exit, Running } from "../../vitest/processes.ts";

export interface InFlightOutcome {
  readonly status: number;
  /** The response's `Connection` header. */
  readonly connection: string | undefined;
  readonly body: string;
  readonly exit: Exit;
  /** What the server printed on stderr, where drain's report line goes. */
  readonly stderr: string;
}

/**
 * The scenario every consumer runs: a fixture server prints `listening on PORT`, a `GET /slow` reaches it (it prints
 * `slow request started`), SIGTERM arrives while that request is in flight. Resolves with what the client and the
 * supervisor saw.
 *
 * @example
 * ```ts
 * const outcome = await sigtermWithRequestInFlight(start(["node", "app.mjs"], { cwd, env }));
 * expect(outcome.status).toBe(200);
 * ```
 */
export async function sigtermWithRequestInFlight(server: Running): Promise<InFlightOutcome> {
  try {
    const port = Number((await server.line(/listening on (\d+)/))[1]);
    const response = getSlow(port);
    await server.line(/slow request started/);
    server.child.kill("SIGTERM");
    const { status, connection, body } = await response;
    const exit = await server.exit;
    return { status, connection, body, exit, stderr: server.stderr() };
  } finally {
    await server.kill();
  }
}

function getSlow(port: number): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/slow", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** drain's last line on stderr: `drain: stopped in 0.7 s, clean: …`. */
export const CLEAN_REPORT: RegExp = /drain: stopped in [\d.]+ s, clean: /;
