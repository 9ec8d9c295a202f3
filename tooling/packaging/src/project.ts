import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";

/**
 * A fresh project folder outside the workspace, with a `package.json` as `npm init` would make it for ESM (none for
 * a Deno project that uses only `deno.json`).
 *
 * @example
 * ```ts
 * const dir = freshProject("node");
 * npmInstall(dir, ["@drain/node", "ws"]);
 * ```
 */
export function freshProject(label: string, options: { readonly packageJson?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `drain-consumer-${label}-`));
  if (options.packageJson === false) return dir;
  writeFile(dir, "package.json", JSON.stringify({ name: `consumer-${label}`, private: true, type: "module" }, null, 2));
  return dir;
}

/** Write `text` to `name` inside the project folder `dir`. */
export function writeFile(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}

/**
 * What a user names on the command line: a `@drain/*` package as its tarball (what the registry would serve),
 * anything else by its name, so the registry's newest matching version is what gets tested.
 *
 * @example
 * ```ts
 * installSpecs(["@drain/hono", "hono"]); // ["/tmp/.../drain-hono-0.1.0.tgz", "hono"]
 * ```
 */
export function installSpecs(names: readonly string[]): string[] {
  const tarballs = inject("tarballs");
  return names.map((name) => tarballs[name] ?? name);
}

/**
 * Send every `@drain/*` package the user does not name, but gets through another one (`@drain/core` under
 * `@drain/node`), to its tarball too: `overrides`, which npm and Bun both honour, as if the registry served them.
 * (npm refuses an override that differs from a direct dependency, so the named ones are left out.)
 *
 * @example
 * ```ts
 * overrideTransitive(dir, ["@drain/node"]); // @drain/core and @drain/engine → their tarballs
 * ```
 */
export function overrideTransitive(dir: string, names: readonly string[]): void {
  const file = join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const others = Object.entries(inject("tarballs")).filter(([name]) => !names.includes(name));
  manifest["overrides"] = Object.fromEntries(others.map(([name, path]) => [name, `file:${path}`]));
  writeFileSync(file, JSON.stringify(manifest, null, 2));
}
