/**
 * Graceful shutdown for `Deno.serve`.
 *
 * @example
 * ```ts
 * import { drain } from "@drain/deno";
 *
 * const d = drain({ timeoutMs: 10_000 });
 * const server = Deno.serve(d.wrap({ port: 3000, handler: () => new Response("ok") }));
 * d.attach(server);
 * ```
 *
 * @module
 */
import type { DrainOptions } from "@drain/engine";
import { createDenoDrain } from "./deno-drain.ts";
import type { DenoDrain } from "./deno-drain.ts";
import { denoOrThrow } from "./runtime.ts";

export type { DenoDrain } from "./deno-drain.ts";
export { DENO_CAPABILITIES } from "./binding.ts";
export { withConnectionClose } from "./connection-close.ts";
export type { AnyServeHandler, HttpServer, RemoteAddr, ServeHandler, ServeHandlerInfo, ServeInitLike } from "./deno-api.ts";
export type { DrainOptions } from "@drain/engine";

/**
 * Start drain for one `Deno.serve` server. Wrap the serve options with `wrap()`, hand the server to
 * `attach()`, and SIGTERM/SIGINT now drain it: readiness fails, `shutdown()` stops the listener and
 * closes idle connections, in-flight responses finish with `Connection: close`, SSE streams get a last
 * frame with `retry:`, WebSockets get 1001, hooks run, and the process exits.
 * Throws `ERR_DRAIN_WRONG_RUNTIME` outside Deno, and the option errors of `@drain/core` for bad options.
 *
 * @example
 * ```ts
 * import { drain } from "@drain/deno";
 *
 * const d = drain({ timeoutMs: 10_000 });
 * const server = Deno.serve(d.wrap({
 *   port: 3000,
 *   handler(request) {
 *     const { pathname } = new URL(request.url);
 *     if (pathname === "/ready") return d.readiness();
 *     if (pathname === "/events") return d.sse((stream) => stream.send({ data: "hello" }), { request });
 *     return new Response("ok");
 *   },
 * }));
 * d.attach(server);
 * d.onShutdown("db", () => db.close(), { timeoutMs: 2_000 });
 * ```
 */
export function drain(options: DrainOptions = {}): DenoDrain {
  return createDenoDrain(options, denoOrThrow());
}
