/**
 * What the registries would get: every tarball passes publint and "are the types wrong" (ESM-only), no published
 * `exports` points at a `.ts` file, and `pnpm publish -r --dry-run` accepts the workspace.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { PUBLIC_PACKAGES } from "../src/public-packages.ts";
import { REPO_ROOT } from "../src/repo.ts";
import { pnpm, run } from "../src/run.ts";

/** This package's own installed command. */
const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

/** The packed package.json of `tarball`. */
function packedManifest(tarball: string): { exports: Record<string, unknown>; dependencies?: Record<string, string>; version: string } {
  return JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
}

/** Every file path an `exports` map can lead to. */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(targets);
  return [];
}

const tarball = (name: string): string => inject("tarballs")[name] as string;

describe.each(PUBLIC_PACKAGES.filter((p) => p.library))("$name's types", ({ name }) => {
  it("resolve for ESM consumers (attw, esm-only profile)", () => {
    run(bin("attw"), [tarball(name), "--profile", "esm-only", "--format", "ascii"], { cwd: REPO_ROOT });
  });
});

describe.each(PUBLIC_PACKAGES)("$name as packed", ({ name }) => {
  it("passes publint, warnings included", () => {
    const out = run(bin("publint"), ["run", tarball(name), "--strict"], { cwd: REPO_ROOT });
    expect(out).toMatch(/All good!/);
  });

  it("exports only built JavaScript and declarations, and pins its @drain dependencies to its own version", () => {
    const manifest = packedManifest(tarball(name));
    for (const target of targets(manifest.exports)) expect(target).toMatch(/\.(js|d\.ts|json)$/);
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (dep.startsWith("@drain/")) expect(range).toBe(manifest.version);
    }
  });
});

it("pnpm publish -r --dry-run accepts every public package", () => {
  const [file, ...args] = pnpm(["publish", "-r", "--dry-run", "--no-git-checks"]);
  const out = run(file, args, { cwd: REPO_ROOT });
  for (const { name } of PUBLIC_PACKAGES) expect(out).toContain(name);
});
