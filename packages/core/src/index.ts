/**
 * @module
 * `@drain/core`: the pure state machine behind drain. It knows connections, phases and deadlines; it never
 * touches a socket, a clock or a timer. Feed it inputs with `now`, carry out the commands it returns, and feed
 * a `tick` when `nextDeadline` comes.
 */
export type * from "./types.ts";
export type { State } from "./state.ts";
export { initial } from "./state.ts";
export { step, stepInto } from "./step.ts";
export { tallyClosed, tallyInFlight, tallyOpen, tallyRequest, tallyResponseEnd, tallyUpgrade } from "./tally.ts";
export { adoptServed, applyServed, countRequest, countResponseEnd, readsServed, servedRecord, type Served } from "./served.ts";
export { nextDeadline } from "./clock.ts";
export { FORCED_ITEMS_LIMIT, forcedItems } from "./forced-items.ts";
export { notifyStatus, type NotifyStatus } from "./notify.ts";
export { counts, phase } from "./counts.ts";
export { isReady } from "./readiness.ts";
export { hookReports, latestNow, mode, MODES, msToBudgetEnd, msToForce, reason, totals } from "./read.ts";
export { checkDuration, DEFAULTS, resolveOptions } from "./options.ts";
export { drainError, isDrainError, type DrainError, type DrainErrorCode } from "./errors.ts";
