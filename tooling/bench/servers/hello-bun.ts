/**
 * Keep-alive hello world on `Bun.serve`, for the overhead benchmark. `VARIANT`: `bare`, `drain` (@drain/bun), or
 * `zero-params` (the same handler declared without parameters, as an anchor).
 * Run: `VARIANT=drain bun servers/hello-bun.ts` (the real binary, so signals reach it).
 */
import { drain, type DrainOptions } from "@drain/bun";
import { announceReady, readArgs } from "./_args.ts";
import { bun } from "./_bun-types.ts";

const args = readArgs((key) => process.env[key]);
// The handler takes its request, as every handler that routes does (and as on Deno, where that matters; see
// hello-deno.ts). `zero-params` is the same hello world declared without parameters.
const options = { hostname: "127.0.0.1", port: args.port, fetch: (_request: Request): Response => new Response("hello world") };

if (args.variant === "bare") {
  announceReady(bun.serve(options).port);
} else if (args.variant === "zero-params") {
  announceReady(bun.serve({ ...options, fetch: (): Response => new Response("hello world") }).port);
} else if (args.variant === "drain") {
  const d = drain(args.drainOptions as DrainOptions);
  const server = bun.serve(d.wrap(options));
  d.attach(server);
  announceReady(server.port);
} else {
  throw new TypeError(`VARIANT must be bare, drain or zero-params; got ${args.variant}`);
}
