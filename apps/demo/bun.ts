/**
 * The demo on Bun: `Bun.serve` with `hono/bun` WebSockets, drained by `@drain/bun`.
 * Run it with `bun apps/demo/bun.ts` (or `npx -y pnpm@10 demo:bun` from the repository root).
 */
import { drain, type BunServeOptionsLike, type BunServerLike } from "@drain/bun";
import type { DrainEnv } from "@drain/hono";
import { Hono } from "hono";
import { upgradeWebSocket, websocket } from "hono/bun";
import { announce } from "./src/announce.ts";
import { createDemoApp } from "./src/app.ts";
import { demoConfig } from "./src/config.ts";
import { drainOptions } from "./src/drain-options.ts";

/** The one call of Bun's API the demo makes (the package type-checks without Bun's declarations). */
const bun = (globalThis as unknown as { Bun: { serve(options: BunServeOptionsLike): BunServerLike } }).Bun;

const config = demoConfig((key) => process.env[key]);
const d = drain(drainOptions(config));
const app = createDemoApp(new Hono<DrainEnv>(), { engine: d, upgradeWebSocket, runtime: "bun", pid: process.pid, tickMs: config.tickMs });

const server = bun.serve(
  d.wrap({ hostname: config.hostname, port: config.port, fetch: app.fetch, websocket }),
);
d.attach(server);
announce(d, config, "bun", process.pid);
