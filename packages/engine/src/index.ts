/**
 * @module
 * `@drain/engine`: runs `@drain/core` with web-standard APIs only (one timer, AbortSignal, Response,
 * ReadableStream). Adapters (`@drain/node`, `@drain/bun`, `@drain/deno`) bind it to a runtime; the kit their
 * control listeners are built from is the subpath `@drain/engine/control`.
 */
export { createEngine, type EngineClock } from "./engine.ts";
export { exposeEngine } from "./expose.ts";
export { assertOptionsObject } from "./engine-options.ts";
export type * from "./types.ts";
export { formatMessage } from "./sse-format.ts";
export { asksToClose } from "./connection-header.ts";
export { createCloseGate, MAX_HOLD_MS, QUIET_MS, type CloseGate, type GateTimers } from "./close-gate.ts";
export type { ControlAudit, ControlEndpoint, ControlHandler, ControlHost, ControlListener, ControlListenerEvents, ControlOptions, ControlPeer, ControlRateLimit } from "./control/types.ts";
export { systemdNotifyArgs, systemdNotifyError } from "./systemd-notify.ts";
export { onProcessErrors, type ProcessErrorEvents } from "./process-errors.ts";
export { activeResourcesOf, formatPeer, requestDetails } from "./describe-request.ts";
