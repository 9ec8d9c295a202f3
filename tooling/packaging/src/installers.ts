import { mkdtempSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { installSpecs, overrideTransitive } from "./project.ts";
import { run } from "./run.ts";

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

/** The Bun and Deno that the workspace installs from the npm registry: the binaries themselves, so signals reach them. */
export const BUN: string = join(packageDir("bun"), "bin", "bun.exe");
export const DENO: string = join(packageDir("deno"), "deno");

/**
 * A PATH on which `bun`, `bunx` and `deno` are the workspace's own, named as their installers name them (Bun tells
 * `bunx` from `bun` by the name it was started as), for tools that look them up by name.
 */
export const PATH_WITH_RUNTIMES: string = ((): string => {
  const dir = mkdtempSync(join(tmpdir(), "drain-runtimes-"));
  for (const [name, target] of [["bun", BUN], ["bunx", BUN], ["deno", DENO]] as const) symlinkSync(target, join(dir, name));
  return [dir, process.env["PATH"] ?? ""].join(":");
})();

/**
 * `npm install` as the user types it: `@drain/*` come from their tarballs, the rest from the registry at the version
 * npm picks today.
 *
 * @example
 * ```ts
 * npmInstall(dir, ["@drain/node", "ws"]);
 * ```
 */
export function npmInstall(dir: string, names: readonly string[], dev: readonly string[] = []): void {
  overrideTransitive(dir, names);
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...installSpecs(names)], { cwd: dir });
  if (dev.length > 0) run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--save-dev", ...dev], { cwd: dir });
}

/**
 * `bun add` as the user types it, `@drain/*` from their tarballs.
 *
 * @example
 * ```ts
 * bunAdd(dir, ["@drain/bun", "hono"], ["@types/bun", "typescript"]);
 * ```
 */
export function bunAdd(dir: string, names: readonly string[], dev: readonly string[] = []): void {
  overrideTransitive(dir, names);
  run(BUN, ["add", ...installSpecs(names)], { cwd: dir, env: { PATH: PATH_WITH_RUNTIMES } });
  if (dev.length > 0) run(BUN, ["add", "--dev", ...dev], { cwd: dir, env: { PATH: PATH_WITH_RUNTIMES } });
}
