/**
 * The demo on Node: `@hono/node-server` 2 with its own WebSocket support (over `ws`), drained by `@drain/node`.
 * Run it with `node --import tsx apps/demo/node.ts` (or `npx -y pnpm@10 demo` from the repository root).
 */
import { serve, upgradeWebSocket } from "@hono/node-server";
import { drain, type NodeDrain } from "@drain/node";
import type { DrainEnv } from "@drain/hono";
import { Hono } from "hono";
import { WebSocketServer } from "ws";
import { announce } from "./src/announce.ts";
import { createDemoApp } from "./src/app.ts";
import { demoConfig } from "./src/config.ts";
import { drainOptions } from "./src/drain-options.ts";

const config = demoConfig((key) => process.env[key]);
const app = new Hono<DrainEnv>();
// drain(server) needs the server, the server needs the app: the app reads the engine when a request comes.
let drained: NodeDrain;
createDemoApp(app, { engine: () => drained, upgradeWebSocket, runtime: "node", pid: process.pid, tickMs: config.tickMs });

const server = serve(
  {
    fetch: app.fetch,
    port: config.port,
    hostname: config.hostname,
    websocket: { server: new WebSocketServer({ noServer: true }) },
  },
  () => announce(drained, config, "node", process.pid),
);
drained = drain(server, drainOptions(config));
