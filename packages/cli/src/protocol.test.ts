import { describe, expect, it } from "vitest";
import { parseStatus, parseStreamLine } from "./protocol.ts";

describe("parseStreamLine", () => {
  it("accepts the lines of the protocol, msToDeadline null included (an immediate stop is accepted already stopped)", () => {
    expect(parseStreamLine('{"type":"accepted","pid":7,"mode":"immediate","phase":"stopped","msToDeadline":null}')).toMatchObject({ type: "accepted", msToDeadline: null });
    expect(parseStreamLine('{"type":"progress","phase":"drain","counts":{"idle":1},"msToDeadline":12}')).toMatchObject({ type: "progress", msToDeadline: 12 });
    expect(parseStreamLine('{"type":"report","pid":7,"report":{"clean":true}}')).toMatchObject({ type: "report" });
  });

  it("reads msToBudgetEnd when sent, and still accepts lines from servers that do not send it", () => {
    expect(parseStreamLine('{"type":"progress","phase":"cleanup","counts":{},"msToDeadline":null,"msToBudgetEnd":4000}')).toMatchObject({ msToBudgetEnd: 4_000 });
    expect(parseStreamLine('{"type":"accepted","pid":7,"mode":"graceful","phase":"drain","msToDeadline":9,"msToBudgetEnd":null}')).toMatchObject({ msToBudgetEnd: null });
    expect(parseStreamLine('{"type":"progress","phase":"drain","counts":{},"msToDeadline":9}')).not.toHaveProperty("msToBudgetEnd");
    expect(parseStreamLine('{"type":"progress","phase":"drain","counts":{},"msToDeadline":9,"msToBudgetEnd":"soon"}')).toBeUndefined();
  });

  it("reads the error line that ends a stream whose shutdown could not start", () => {
    expect(parseStreamLine('{"type":"error","error":{"code":"ERR_DRAIN_DISPOSED","message":"disposed"}}')).toEqual({
      type: "error",
      error: { code: "ERR_DRAIN_DISPOSED", message: "disposed" },
    });
    expect(parseStreamLine('{"type":"error"}')).toBeUndefined();
  });

  it("passes unknown line types through, so a newer server still works", () => {
    expect(parseStreamLine('{"type":"audit","who":"root"}')).toEqual({ type: "other", raw: { type: "audit", who: "root" } });
  });

  it("refuses lines that miss what their type needs", () => {
    for (const line of [
      "not json",
      "[1]",
      '{"type":"accepted","pid":0,"msToDeadline":1}',
      '{"type":"accepted","pid":7}',
      '{"type":"progress","phase":"drain","msToDeadline":1}',
      '{"type":"report","pid":7,"report":{}}',
    ]) {
      expect(parseStreamLine(line), line).toBeUndefined();
    }
  });
});

describe("parseStatus", () => {
  it("needs a pid, a phase and counts", () => {
    expect(parseStatus('{"pid":7,"runtime":"bun","phase":"serving","counts":{},"msToDeadline":null}')).toMatchObject({ pid: 7 });
    expect(parseStatus('{"pid":7,"phase":"serving"}')).toBeUndefined();
    expect(parseStatus("<h1>hi</h1>")).toBeUndefined();
  });
});
