import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DENO } from "./installers.ts";
import { REPO_ROOT } from "./repo.ts";
import { run } from "./run.ts";

/** The JSR workspace's config, from the repository root. */
export const JSR_WORKSPACE = "jsr.workspace.json";

/**
 * `deno publish --dry-run` for every JSR package: type checks, slow types, and the files each would upload.
 * Returns the command's whole output.
 *
 * @example
 * ```ts
 * expect(jsrDryRun()).toMatch(/Dry run complete/);
 * ```
 */
export function jsrDryRun(): string {
  return run(DENO, ["publish", "--dry-run", "--allow-dirty", "--config", JSR_WORKSPACE], { cwd: REPO_ROOT, stderrToo: true });
}

/**
 * Copy exactly the files `deno publish` would upload for each JSR package into `into/<package folder>/`, the way
 * JSR would serve them, and return each export's module there (specifier → absolute path), from each package's
 * `jsr.json` `exports`: `@drain/deno` for ".", `@drain/engine/control` for "./control".
 *
 * @example
 * ```ts
 * const entries = jsrLayout(jsrDryRun(), join(project, "jsr"));
 * entries.get("@drain/deno"); // ".../jsr/packages/deno/src/index.ts"
 * ```
 */
export function jsrLayout(dryRunOutput: string, into: string): Map<string, string> {
  const entries = new Map<string, string>();
  const folders = new Map<string, string>();
  let current: string | undefined;
  for (const line of dryRunOutput.split("\n")) {
    const heading = /Simulating publish of (@drain\/[\w-]+)@/.exec(line);
    if (heading) current = heading[1];
    const file = /^\s+(file:\/\/\S+)/.exec(line);
    if (file?.[1] === undefined || current === undefined) continue;
    const from = fileURLToPath(file[1]);
    const to = join(into, relative(REPO_ROOT, from));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to);
    const folder = /^(.*)\/src\/index\.ts$/.exec(relative(REPO_ROOT, from));
    if (folder?.[1] !== undefined) folders.set(current, folder[1]);
  }
  for (const [name, folder] of folders) {
    const { exports } = JSON.parse(readFileSync(join(REPO_ROOT, folder, "jsr.json"), "utf8")) as { exports: string | Record<string, string> };
    const map = typeof exports === "string" ? { ".": exports } : exports;
    for (const [subpath, file] of Object.entries(map)) entries.set(name + subpath.slice(1), join(into, folder, file));
  }
  return entries;
}
