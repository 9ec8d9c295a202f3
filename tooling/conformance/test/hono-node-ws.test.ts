import { defineConformance } from "../src/suite.ts";
import { honoNodeWs } from "../src/targets.ts";
import { honoCases } from "./hono-cases.ts";

defineConformance(honoNodeWs);
honoCases(honoNodeWs, {
  upgradeResponseHeaders:
    "@hono/node-ws 1.3.1 answers an upgrade the app did not accept by writing its own bare response on the socket " +
    "(`HTTP/1.1 503 Service Unavailable`, `Connection: close`, `Content-Length: 0`; injectWebSocket in its index.js), " +
    "so the app's Retry-After never reaches the client (measured). @hono/node-server 2 sends the app's whole response.",
});
