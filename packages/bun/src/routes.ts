/** `Bun.serve`'s `routes`: a value is a static Response, a handler, or an object of handlers by HTTP method. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"]);

type Wrap = <F extends (request: Request, server: never) => unknown>(handler: F) => F;

/**
 * Wrap every handler function in `routes` so its requests are tracked like `fetch`'s. Static `Response` values
 * are served by Bun without JavaScript and stay untracked: they are written at once and `stop()` waits for them.
 */
export function wrapRoutes<R extends Record<string, unknown>>(routes: R, wrap: Wrap): R {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(routes)) out[path] = wrapRouteValue(value, wrap);
  return out as R;
}

function wrapRouteValue(value: unknown, wrap: Wrap): unknown {
  if (typeof value === "function") return wrap(value as (request: Request, server: never) => unknown);
  if (value === null || typeof value !== "object" || value instanceof Response) return value;
  // Anything else that is not a plain map of methods (an HTML bundle, a file) is Bun's to serve: leave it as it is.
  if (Object.getPrototypeOf(value) !== Object.prototype || !Object.keys(value).every((key) => METHODS.has(key))) return value;
  const byMethod: Record<string, unknown> = {};
  for (const [method, handler] of Object.entries(value)) {
    byMethod[method] = typeof handler === "function" ? wrap(handler as (request: Request, server: never) => unknown) : handler;
  }
  return byMethod;
}
