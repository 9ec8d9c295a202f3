/**
 * Keep-alive hello world on `Deno.serve`, for the overhead benchmark. `VARIANT`: `bare`, `drain` (@drain/deno), or
 * `completed-hook`: a handler that only waits for `info.completed` with one callback, the least any library that
 * knows when Deno has sent each response pays (`completed` is made only when read), as an anchor; `zero-params`:
 * the same hello world declared without parameters, which Deno serves without building a Request (another anchor).
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
  // Takes its request, as every handler that routes does: Deno serves a handler declared without parameters on a
  // path that builds no Request at all (`zero-params` measures it), which drain's wrapper, needing both, cannot take.
  handler: (_request: Request): Response => new Response("hello world"),
};

if (args.variant === "bare") {
  deno.serve(options);
} else if (args.variant === "completed-hook") {
  deno.serve({
    ...options,
    handler: (request: Request, info: { readonly completed: Promise<void> }): Response => {
      // A closure per request, as a tracker that must know which request ended needs.
      const end = (): void => void request;
      info.completed.then(end, end);
      return options.handler(request);
    },
  });
} else if (args.variant === "zero-params") {
  deno.serve({ ...options, handler: (): Response => new Response("hello world") });
} else if (args.variant === "drain") {
  const d = drain(args.drainOptions as DrainOptions);
  d.attach(deno.serve(d.wrap(options)));
} else {
  throw new TypeError(`VARIANT must be bare, drain, completed-hook or zero-params; got ${args.variant}`);
}
