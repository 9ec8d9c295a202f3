import { drainError, type HookSpec } from "@drain/core";
import type { HookFunction, HookOptions } from "./types.ts";

const DEFAULT_HOOK_TIMEOUT_MS = 5_000;

interface Hook extends HookSpec {
  readonly fn: HookFunction;
}

/** Cleanup hooks by name. The core decides when each runs and for how long; this only keeps and calls them. */
export class HookRegistry {
  readonly #hooks = new Map<string, Hook>();

  add(name: string, fn: HookFunction, options: HookOptions = {}): () => void {
    if (typeof name !== "string" || name === "") {
      throw drainError("ERR_DRAIN_INVALID_HOOK", "A cleanup hook needs a non-empty name, for example onShutdown(\"db\", () => pool.end()).");
    }
    if (typeof fn !== "function") {
      throw drainError("ERR_DRAIN_INVALID_HOOK", `Cleanup hook "${name}" must be a function.`);
    }
    if (this.#hooks.has(name)) {
      throw drainError("ERR_DRAIN_INVALID_HOOK", `A cleanup hook named "${name}" is already registered; give each hook its own name.`);
    }
    const order = options.order ?? 0;
    const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
    if (!Number.isFinite(order)) {
      throw drainError("ERR_DRAIN_INVALID_HOOK", `Cleanup hook "${name}": order must be a finite number, got ${String(order)}.`);
    }
    if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw drainError("ERR_DRAIN_INVALID_HOOK", `Cleanup hook "${name}": timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}.`);
    }
    this.#hooks.set(name, { name, order, timeoutMs, fn });
    return () => {
      this.#hooks.delete(name);
    };
  }

  /** Name, order and timeout of each hook, in registration order (the core sorts them). */
  specs(): HookSpec[] {
    return [...this.#hooks.values()].map(({ name, order, timeoutMs }) => ({ name, order, timeoutMs }));
  }

  /**
   * Call a hook (with the crash's error, after one). Settles with `undefined` or the error text; never rejects, whatever the hook does (throw,
   * reject, hang: the core times a hung one out and the engine stops listening to it).
   */
  async run(name: string, signal: AbortSignal, timeoutMs: number, crash?: { readonly error: unknown }): Promise<string | undefined> {
    const hook = this.#hooks.get(name);
    if (hook === undefined) return "hook was removed before it ran";
    try {
      await hook.fn(crash === undefined ? { signal, timeoutMs } : { signal, timeoutMs, error: crash.error });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message || error.name : String(error);
    }
  }
}
