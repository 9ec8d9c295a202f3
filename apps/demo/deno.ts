/**
 * The demo on Deno: `Deno.serve` with `hono/deno` WebSockets, drained by `@drain/deno`.
 * Run it with `deno run -A apps/demo/deno.ts` (or `npx -y pnpm@10 demo:deno` from the repository root); Deno finds
 * `hono` and `@drain/*` through the package.json and node_modules next to this file.
 */
import { drain, type HttpServer, type ServeInitLike } from "@drain/deno";
import type { DrainEnv } from "@drain/hono";
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import { announce } from "./src/announce.ts";
import { createDemoApp } from "./src/app.ts";
import { demoConfig } from "./src/config.ts";
import { drainOptions } from "./src/drain-options.ts";

/** The parts of the `Deno` global the demo uses (the package type-checks without Deno's declarations). */
interface DenoDemoApi {
  readonly pid: number;
  readonly env: { get(key: string): string | undefined };
  serve(options: ServeInitLike): HttpServer;
}
const deno = (globalThis as unknown as { Deno: DenoDemoApi }).Deno;

const config = demoConfig((key) => deno.env.get(key));
const d = drain(drainOptions(config));
const app = createDemoApp(new Hono<DrainEnv>(), { engine: d, upgradeWebSocket, runtime: "deno", pid: deno.pid, tickMs: config.tickMs });

const server = deno.serve(
  d.wrap({
    hostname: config.hostname,
    port: config.port,
    handler: app.fetch,
    onListen: () => announce(d, config, "deno", deno.pid),
  }),
);
d.attach(server);
