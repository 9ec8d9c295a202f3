import { TICK_MS } from "./_ticks.ts";

/**
 * What every benchmark server reads from its environment, in one place so Node, Bun and Deno agree.
 * `env` is a lookup function because Deno reads the environment through `Deno.env.get`.
 */

export interface ServerArgs {
  /** Port to listen on, on 127.0.0.1; 0 picks a free one (announced on stdout). */
  readonly port: number;
  /** `bare`, `drain`, `http-terminator`, `stoppable` (hello servers); `drain` or `native` (instances). */
  readonly variant: string;
  /** Drain options as JSON (`DRAIN_OPTIONS`), e.g. `{"notifyMs":500}`. */
  readonly drainOptions: Record<string, unknown>;
  /** Milliseconds per SSE tick (`TICK_MS`, see `_ticks.ts`). */
  readonly tickMs: number;
}

/** Read `PORT`, `VARIANT`, `DRAIN_OPTIONS` and `TICK_MS`. */
export function readArgs(env: (key: string) => string | undefined): ServerArgs {
  const port = Number(env("PORT") ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`PORT must be a port number, got ${env("PORT")}`);
  const json = env("DRAIN_OPTIONS");
  const drainOptions: unknown = json === undefined || json === "" ? {} : JSON.parse(json);
  if (drainOptions === null || typeof drainOptions !== "object" || Array.isArray(drainOptions)) {
    throw new TypeError("DRAIN_OPTIONS must be a JSON object of drain options");
  }
  const tickMs = Number(env("TICK_MS") ?? String(TICK_MS));
  if (!Number.isInteger(tickMs) || tickMs < 1) throw new TypeError(`TICK_MS must be a whole number of ms >= 1, got ${env("TICK_MS")}`);
  return {
    port,
    variant: env("VARIANT") ?? "drain",
    drainOptions: { logger: false, ...(drainOptions as Record<string, unknown>) },
    tickMs,
  };
}

/**
 * Print drain's report as `REPORT {json}` on stdout when it comes (before the exit), so the parent can read what
 * ended notify. A structural type: the servers pass the drain of whichever adapter they use.
 */
export function announceReport(drain: { on(event: "report", listener: (report: unknown) => void): unknown }): void {
  drain.on("report", (report) => console.log(`REPORT ${JSON.stringify(report)}`));
}

/** The line the parent waits for: `READY http://127.0.0.1:<port>`. */
export function announceReady(port: number): void {
  console.log(`READY http://127.0.0.1:${port}`);
}
