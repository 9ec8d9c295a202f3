import { drainError } from "@drain/core";

/** Throws unless this process runs on Bun: the adapter calls Bun-only APIs (`server.requestIP`, `server.timeout`). */
export function assertBun(): void {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
  if ((globalThis as { Bun?: unknown }).Bun !== undefined && versions?.["bun"] !== undefined) return;
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  const found = deno !== undefined ? `Deno ${deno.version?.deno ?? ""}`.trim() : `Node ${versions?.["node"] ?? "(unknown)"}`;
  throw drainError(
    "ERR_DRAIN_WRONG_RUNTIME",
    `@drain/bun only runs on Bun, but this is ${found}. Use @drain/node on Node or @drain/deno on Deno; they take the same options.`,
  );
}
