import { Server as NetServer } from "node:net";
import { drainError } from "@drain/core";
import type { DrainableServer } from "./types.ts";

interface RuntimeGlobals {
  readonly Bun?: unknown;
  readonly Deno?: unknown;
  readonly process?: { readonly versions?: { readonly node?: string } };
}

/**
 * Fail early, with the package to use instead, when `@drain/node` meets a server it cannot drain:
 * a `Bun.serve` or `Deno.serve` server, a runtime without Node's APIs, or something that is no server.
 */
export function assertNodeServer(server: unknown): asserts server is DrainableServer {
  if (looksLikeBunServer(server)) {
    throw drainError("ERR_DRAIN_WRONG_RUNTIME", "This is a Bun.serve server: @drain/node drains node:http servers. Use @drain/bun for Bun.serve.");
  }
  if (looksLikeDenoServer(server)) {
    throw drainError("ERR_DRAIN_WRONG_RUNTIME", "This is a Deno.serve server: @drain/node drains node:http servers. Use @drain/deno for Deno.serve.");
  }
  const globals = globalThis as RuntimeGlobals;
  if (typeof globals.process?.versions?.node !== "string") {
    const instead = globals.Bun !== undefined ? "@drain/bun" : globals.Deno !== undefined ? "@drain/deno" : "@drain/bun or @drain/deno";
    throw drainError("ERR_DRAIN_WRONG_RUNTIME", `@drain/node needs Node.js (process.versions.node is missing). Use ${instead} on this runtime.`);
  }
  if (!(server instanceof NetServer)) {
    throw drainError(
      "ERR_DRAIN_INVALID_OPTION",
      `drain(server) needs a node:http, node:https or node:http2 server (what http.createServer() or a framework's listen() returns), got ${describe(server)}.`,
    );
  }
}

function looksLikeBunServer(server: unknown): boolean {
  const candidate = server as Record<string, unknown> | null;
  return (
    typeof candidate === "object" && candidate !== null &&
    typeof candidate["stop"] === "function" && typeof candidate["upgrade"] === "function" && typeof candidate["on"] !== "function"
  );
}

function looksLikeDenoServer(server: unknown): boolean {
  const candidate = server as Record<string, unknown> | null;
  return (
    typeof candidate === "object" && candidate !== null &&
    typeof candidate["shutdown"] === "function" && "finished" in candidate && typeof candidate["on"] !== "function"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name === undefined || name === "" ? "an object" : `a ${name}`;
}
