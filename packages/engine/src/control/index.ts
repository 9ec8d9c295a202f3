/**
 * @module
 * `@drain/engine/control`: the kit the adapters build their control listeners from. The control endpoint's
 * handler and option checks, the bind and close steps every listener shares (`listener-kit.ts`), and the listener
 * for runtimes with `node:http` (`http-listener.ts`). Applications never need it: they set the `control` option.
 *
 * @example
 * ```ts
 * import { serveHttpControl } from "@drain/engine/control";
 * const serveControl: RuntimeBinding["serveControl"] = (endpoint, handler, events) =>
 *   serveHttpControl(endpoint, handler, events, runtime);
 * ```
 */
export { createControlHandler } from "./handler.ts";
export { resolveControlOptions } from "./options.ts";
export { BODY_TIMEOUT_MS, MAX_BODY_BYTES, MAX_TIMEOUT_MS } from "./body.ts";
export type * from "./types.ts";
export { pipeWebBody, type BodySink } from "./pipe-body.ts";
export {
  bindPrivately,
  bindViaPrivateDir,
  CLOSE_GRACE_MS,
  closeWithGrace,
  CONTROL_TIMEOUTS,
  controlInUseError,
  describeEndpoint,
  listenReplacingStale,
  MAX_CONTROL_CONNECTIONS,
  OWNER_ONLY,
  peerOf,
  replaceStaleSocket,
  serveBoundControl,
  trackWriting,
  watchBody,
  type BoundControlServer,
  type ListenRetry,
  type PrivateBindOps,
  type StaleSocketOps,
  type WritingSet,
} from "./listener-kit.ts";
export {
  isNodeAddrInUse,
  nodeControlRuntime,
  nodeStaleSocketOps,
  serveHttpControl,
  type HttpControlRuntime,
  type HttpRequestLike,
  type HttpResponseLike,
  type HttpServerLike,
  type NodeControlModules,
  type NodeFileOps,
} from "./http-listener.ts";
