import { describe, expect, it } from "vitest";
import { formatReport, formatStatus } from "./format.ts";
import type { ReportBody } from "./protocol.ts";

describe("formatReport", () => {
  const report: ReportBody = {
    clean: true,
    durationMs: 1_200,
    mode: "graceful",
    connections: { closedIdle: 2, closedNeverUsed: 1, closedAfterResponse: 3, forced: 0 },
    sse: { ended: 4, forced: 0 },
    websockets: { closed: 5, cutAfterCloseTimeout: 0, forced: 0 },
    hooks: [],
    reason: "SIGTERM",
  };

  it("says how the drain ended, what it closed and what it forced", () => {
    expect(formatReport(7, report)).toBe(
      "drain: pid 7 stopped clean in 1.2 s (graceful): closed 2 idle, 1 never used, 3 after their response; " +
        "ended 4 SSE, closed 5 WebSockets; forced 0 connections, 0 SSE, 0 WebSockets",
    );
  });

  it("says how long notify lasted and what ended it", () => {
    const adaptive = { ...report, notify: { endedBy: "quiet", durationMs: 2_300 } };
    expect(formatReport(7, adaptive)).toContain("(graceful): notify 2.3 s (ended by quiet); closed 2 idle");
  });

  it("names the WebSockets cut for not answering the close, apart from the forced ones", () => {
    const cut = { ...report, websockets: { closed: 5, cutAfterCloseTimeout: 2, forced: 0 } };
    expect(formatReport(7, cut)).toContain("closed 5 WebSockets (2 cut after not answering the close); forced 0 connections, 0 SSE, 0 WebSockets");
  });

  it("names the crash that ended the process, when there was one", () => {
    expect(formatReport(7, { ...report, error: "Error: boom" })).toMatch(/; after a crash: Error: boom$/);
    expect(formatReport(7, report)).not.toContain("crash");
  });
});

describe("formatStatus", () => {
  const status = { pid: 7, runtime: "node", phase: "serving", counts: { requests: 1 }, msToDeadline: null };

  it("says when the server is serving but not ready yet (startReady: false before ready())", () => {
    expect(formatStatus({ ...status, ready: false })).toBe("drain: pid 7 (node) serving (starting: not ready yet): 1 requests in flight");
    expect(formatStatus({ ...status, ready: true })).toBe("drain: pid 7 (node) serving: 1 requests in flight");
    // Older servers leave `ready` out.
    expect(formatStatus(status)).toBe("drain: pid 7 (node) serving: 1 requests in flight");
  });
});

describe("formatStatus", () => {
  const counts = { neverUsed: 0, idle: 1, active: 0, requests: 0, upgraded: 0, closing: 0, sse: 0, websockets: 0 };
  const status = { pid: 7, runtime: "node", phase: "notify", counts, msToDeadline: 24_000 };

  it("says when a running notify ends if nothing more arrives, and what ended it after", () => {
    expect(formatStatus({ ...status, notify: { endedBy: null, msToEnd: 1_200 } })).toMatch(/; notify ends in 1\.2 s unless traffic arrives$/);
    expect(formatStatus({ ...status, phase: "drain", notify: { endedBy: "quiet", msToEnd: null } })).toMatch(/; notify ended by quiet$/);
    expect(formatStatus({ ...status, phase: "serving", msToDeadline: null, notify: null })).not.toContain("notify");
  });
});
