/**
 * Keep-alive hello world on `Bun.serve`, for the overhead benchmark. `VARIANT`: `bare` or `drain` (@drain/bun).
 * Run: `VARIANT=drain bun servers/hello-bun.ts` (the real binary, so signals reach it).
 */
import { drain, type DrainOptions } from "@drain/bun";
import { announceReady, readArgs } from "./_args.ts";
import { bun } from "./_bun-types.ts";

const args = readArgs((key) => process.env[key]);
const options = { hostname: "127.0.0.1", port: args.port, fetch: (): Response => new Response("hello world") };

if (args.variant === "bare") {
  announceReady(bun.serve(options).port);
} else if (args.variant === "drain") {
  const d = drain(args.drainOptions as DrainOptions);
  const server = bun.serve(d.wrap(options));
  d.attach(server);
  announceReady(server.port);
} else {
  throw new TypeError(`VARIANT must be bare or drain; got ${args.variant}`);
}
