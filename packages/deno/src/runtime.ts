import { drainError } from "@drain/core";
import type { DenoApi } from "./deno-api.ts";

/**
 * The `Deno` global, or a DrainError naming the adapter that fits the runtime we are on.
 * Checked when `drain()` is called, not at import, so a shared module graph can still load this file.
 */
export function denoOrThrow(scope: object = globalThis): DenoApi {
  const candidate = (scope as { Deno?: Partial<DenoApi> }).Deno;
  if (candidate !== undefined && typeof candidate.version?.deno === "string" && typeof candidate.addSignalListener === "function") {
    return candidate as DenoApi;
  }
  const found = (scope as { Bun?: unknown }).Bun !== undefined ? "Bun" : "Node.js (or another runtime without Deno.serve)";
  throw drainError(
    "ERR_DRAIN_WRONG_RUNTIME",
    `@drain/deno runs on Deno only, but this is ${found}. Use @drain/node on Node.js and @drain/bun on Bun.`,
  );
}

/** The environment drain reads for its defaults, without asking for a permission the app did not grant. */
export function denoEnv(deno: DenoApi, keys: readonly string[]): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of keys) {
    // querySync never prompts; Deno.env.get would prompt on a terminal, or throw without --allow-env.
    if (deno.permissions.querySync({ name: "env", variable: key }).state === "granted") env[key] = deno.env.get(key);
  }
  return env;
}
