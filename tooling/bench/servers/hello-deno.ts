/**
 * Keep-alive hello world on `Deno.serve`, for the overhead benchmark. `VARIANT`: `bare` or `drain` (@drain/deno).
 * Run from tooling/bench: `VARIANT=drain deno run -A servers/hello-deno.ts`.
 */
import { drain, type DrainOptions } from "@drain/deno";
import { announceReady, readArgs } from "./_args.ts";
import { deno } from "./_deno-types.ts";

const args = readArgs((key) => deno.env.get(key));
const options = {
  hostname: "127.0.0.1",
  port: args.port,
  onListen: ({ port }: { port: number }): void => announceReady(port),
  handler: (): Response => new Response("hello world"),
};

if (args.variant === "bare") {
  deno.serve(options);
} else if (args.variant === "drain") {
  const d = drain(args.drainOptions as DrainOptions);
  d.attach(deno.serve(d.wrap(options)));
} else {
  throw new TypeError(`VARIANT must be bare or drain; got ${args.variant}`);
}
