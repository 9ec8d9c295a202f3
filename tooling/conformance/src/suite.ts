/**
 * The conformance suite: one set of black-box cases, registered against one target (a fixture server on one
 * runtime and protocol). Cases of a target run one after another; each starts its own fixture process.
 */
import { describe } from "vitest";
import { connectionCases } from "./cases/connections.ts";
import { crashCases } from "./cases/crash.ts";
import { CONTROL_TARGETS, controlCases } from "./cases/control.ts";
import { http2Cases } from "./cases/http2.ts";
import { inFlightCases } from "./cases/in-flight.ts";
import { lifecycleCases } from "./cases/lifecycle.ts";
import { startupCases } from "./cases/startup.ts";
import { notifyCases } from "./cases/notify.ts";
import { sseCases, webSocketCases } from "./cases/streams.ts";
import type { Target } from "./targets.ts";
import { whyNotExitCases } from "./cases/why-not-exit.ts";

/**
 * Register every case that applies to `target` with vitest.
 *
 * HTTP/1.1 cases run wherever HTTP/1.1 is served (on the secure h2 target through `allowHTTP1`); h2c serves
 * HTTP/2 only, so it gets the protocol-neutral and HTTP/2 cases. A runtime gap never skips a case: the case
 * asserts what the client sees instead (see `Target.gaps`).
 *
 * @example
 * ```ts
 * // test/bun.test.ts
 * import { defineConformance } from "../src/suite.ts";
 * import { bun } from "../src/targets.ts";
 * defineConformance(bun);
 * ```
 */
export function defineConformance(target: Target): void {
  describe(target.name, () => {
    if (target.http1) {
      describe("HTTP/1.1 connections", () => connectionCases(target));
      describe("server-sent events", () => sseCases(target));
      describe("WebSockets", () => webSocketCases(target));
    }
    if (target.http2) describe("HTTP/2 sessions", () => http2Cases(target));
    describe("work in flight", () => inFlightCases(target));
    describe("lifecycle", () => lifecycleCases(target));
    describe("readiness at start-up", () => startupCases(target));
    describe("crashes", () => crashCases(target));
    describe("why did it not exit?", () => whyNotExitCases(target));
    describe("adaptive notify", () => notifyCases(target));
    if (CONTROL_TARGETS.includes(target.name)) describe("control endpoint", () => controlCases(target));
  });
}
