import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = join(packageDir, "..", "..", "node_modules", "typescript", "bin", "tsc");
const pureConfig = join(packageDir, "..", "..", "tooling", "tsconfig", "pure.json");

/** Typecheck one line as if it were core source, with core's own compiler settings; returns tsc's output. */
function typecheckAsCore(lines: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "drain-core-purity-"));
  try {
    const files = Object.entries(lines).map(([name, code], i) => {
      const file = join(dir, `probe${i}.ts`);
      writeFileSync(file, `export const probe = ${code};\n`);
      return [name, file] as const;
    });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: pureConfig, files: [join(dirname(pureConfig), "pure-lib", "lib.pure.d.ts"), ...files.map(([, f]) => f)] }));
    let output = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    return Object.fromEntries(files.map(([name, file], i) => [name, output.split("\n").filter((l) => l.includes(`probe${i}.ts`)).join("\n")]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("core's compiler settings", () => {
  it("make clocks, timers, randomness and runtime globals type errors, and leave pure built-ins alone", () => {
    const result = typecheckAsCore({
      setTimeout: "setTimeout(() => 0, 1)",
      setInterval: "setInterval(() => 0, 1)",
      process: "process.exitCode",
      Deno: "Deno.pid",
      Bun: "Bun.version",
      Date: "Date.now()",
      "Math.random": "Math.random()",
      performance: "performance.now()",
      fetch: "fetch",
      "pure Map and Math": "new Map<number, number>().size + Math.max(1, 2) + [1, 2].map((n) => n * 2).length",
    });
    for (const name of ["setTimeout", "setInterval", "process", "Deno", "Bun", "Date", "Math.random", "performance", "fetch"]) {
      expect(result[name], name).toMatch(/error TS\d+/);
    }
    expect(result["pure Map and Math"]).toBe("");
  }, 60_000);
});
