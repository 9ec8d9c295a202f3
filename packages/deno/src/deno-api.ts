/**
 * The slice of the `Deno` namespace this adapter uses, typed structurally so the package
 * type-checks without Deno's own declarations and tests can hand in a stand-in.
 * Deno's own types are assignable to these.
 */

/** The peer address `Deno.serve` reports (`info.remoteAddr`) for TCP; Unix sockets carry `path` instead. */
export interface RemoteAddr {
  readonly transport: string;
  readonly hostname: string;
  readonly port: number;
}

/** The second argument of a `Deno.serve` handler. */
export interface ServeHandlerInfo {
  readonly remoteAddr: RemoteAddr;
  /** Settles once the response, body included, has been sent, or could not be. */
  readonly completed: Promise<void>;
}

/** A `Deno.serve` handler. */
export type ServeHandler = (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>;

/** Any handler function, however its `info` is typed (a `Deno.ServeHandler<Deno.NetAddr>`, say). */
export type AnyServeHandler = (request: Request, info: never) => Response | Promise<Response>;

/** `Deno.serve` options that carry their handler (`ServeInit`); every other field passes through untouched. */
export interface ServeInitLike {
  // Method syntax on purpose: it lets handlers typed with Deno's own `ServeHandlerInfo<Addr>` fit.
  handler(request: Request, info: ServeHandlerInfo): Response | Promise<Response>;
  /**
   * Declared so that `d.wrap({ onListen: ({ port }) => … })` types its parameter, as `Deno.serve` itself would
   * (without it the callback's parameter is an implicit `any` under `deno check`).
   */
  onListen?(localAddr: { readonly hostname: string; readonly port: number }): void;
}

/** What `Deno.serve` returns. */
export interface HttpServer {
  readonly finished: Promise<void>;
  /** Stop accepting, close idle connections, close the others after their response, 1001 to WebSockets, GOAWAY. */
  shutdown(): Promise<void>;
}

/** The `Deno` global, as far as drain needs it. */
export interface DenoApi {
  readonly version: { readonly deno: string };
  readonly pid: number;
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  exit(code?: number): never;
  readonly env: { get(key: string): string | undefined };
  readonly permissions: {
    querySync(descriptor: { readonly name: "env"; readonly variable: string }): { readonly state: string };
  };
}
