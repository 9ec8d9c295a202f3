import { EventEmitter } from "node:events";
import { expect, it } from "vitest";
import { onProcessErrors } from "./process-errors.ts";

it("hands each uncaught error to the listener with its origin, and takes both listeners off when asked", () => {
  const target = new EventEmitter();
  const seen: [unknown, string][] = [];
  const off = onProcessErrors(target, (error, origin) => seen.push([error, origin]));
  target.emit("uncaughtException", "thrown", "uncaughtException");
  target.emit("uncaughtException", "strict rejection", "unhandledRejection");
  target.emit("unhandledRejection", "rejected", Promise.resolve());
  expect(seen).toEqual([
    ["thrown", "uncaughtException"],
    ["strict rejection", "unhandledRejection"],
    ["rejected", "unhandledRejection"],
  ]);
  off();
  expect([target.listenerCount("uncaughtException"), target.listenerCount("unhandledRejection")]).toEqual([0, 0]);
});
