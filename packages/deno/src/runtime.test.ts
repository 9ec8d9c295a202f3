import { isDrainError } from "@drain/core";
import { describe, expect, it } from "vitest";
import { drain } from "./index.ts";
import { denoEnv, denoOrThrow } from "./runtime.ts";
import { fakeDeno } from "./testing/fake-deno.ts";

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("runtime guard", () => {
  it("drain() outside Deno throws ERR_DRAIN_WRONG_RUNTIME naming the adapters that fit", () => {
    const error = thrown(() => drain());
    expect(isDrainError(error)).toBe(true);
    expect(error).toMatchObject({ code: "ERR_DRAIN_WRONG_RUNTIME" });
    expect((error as Error).message).toContain("@drain/node");
    expect((error as Error).message).toContain("@drain/bun");
  });

  it("says Bun when it finds Bun", () => {
    const error = thrown(() => denoOrThrow({ Bun: {} }));
    expect((error as Error).message).toContain("this is Bun");
  });

  it("returns the Deno namespace when there is one", () => {
    const fake = fakeDeno();
    expect(denoOrThrow({ Deno: fake.deno })).toBe(fake.deno);
  });
});

describe("denoEnv", () => {
  it("reads only the variables the app granted, never prompting for the others", () => {
    const fake = fakeDeno({ KUBERNETES_SERVICE_HOST: "10.0.0.1", OTHER: "x" }, ["KUBERNETES_SERVICE_HOST"]);
    expect(denoEnv(fake.deno, ["KUBERNETES_SERVICE_HOST", "OTHER"])).toEqual({ KUBERNETES_SERVICE_HOST: "10.0.0.1" });
    expect(fake.envReads).toEqual(["KUBERNETES_SERVICE_HOST"]);
  });
});
