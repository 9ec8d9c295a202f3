/**
 * @module
 * `@drain/engine`: runs `@drain/core` with web-standard APIs only (one timer, AbortSignal, Response,
 * ReadableStream). Adapters (`@drain/node`, `@drain/bun`, `@drain/deno`) bind it to a runtime.
 */
export { createEngine, type EngineClock } from "./engine.ts";
export { assertOptionsObject } from "./engine-options.ts";
export type * from "./types.ts";
export { formatMessage } from "./sse-format.ts";
export { asksToClose } from "./connection-header.ts";
export { createCloseGate, MAX_HOLD_MS, QUIET_MS, type CloseGate, type GateTimers } from "./close-gate.ts";
export { createControlHandler } from "./control/handler.ts";
export { resolveControlOptions } from "./control/options.ts";
export { BODY_TIMEOUT_MS, MAX_BODY_BYTES, MAX_TIMEOUT_MS } from "./control/body.ts";
export type * from "./control/types.ts";
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
} from "./control/listener-kit.ts";
export {
  isNodeAddrInUse,
  nodeStaleSocketOps,
  serveHttpControl,
  type HttpControlRuntime,
  type HttpRequestLike,
  type HttpResponseLike,
  type HttpServerLike,
  type NodeFileOps,
} from "./control/http-listener.ts";
export { systemdNotifyArgs, systemdNotifyError } from "./control/systemd-notify.ts";
