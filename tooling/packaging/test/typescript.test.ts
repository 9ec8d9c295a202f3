/**
 * TypeScript users check the READMEs' examples against what they installed: `tsc --noEmit` with library checks on
 * (Node: `@types/node` and NodeNext resolution; Bun: `@types/bun`, as Bun's own template sets it up). Deno's check of
 * its examples is in deno.test.ts, with Deno's own types.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { bunAdd, BUN, npmInstall, PATH_WITH_RUNTIMES } from "../src/installers.ts";
import { freshProject } from "../src/project.ts";
import { run } from "../src/run.ts";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

it("the Node and Hono-on-Node examples type-check with tsc against the installed types (NodeNext)", () => {
  const project = freshProject("tsc-node");
  npmInstall(project, ["@drain/node", "@drain/hono", "ws", "hono", "@hono/node-server"], ["typescript", "@types/node@20", "@types/ws"]);
  copyFileSync(fixture("node-types.ts"), join(project, "node-types.ts"));
  copyFileSync(fixture("tsconfig.node.json"), join(project, "tsconfig.json"));
  expect(run(process.execPath, [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: project })).toBe("");
});

it("the Bun and Hono-on-Bun examples type-check with tsc against the installed types (@types/bun)", () => {
  const project = freshProject("tsc-bun");
  bunAdd(project, ["@drain/bun", "@drain/hono", "hono"], ["typescript", "@types/bun"]);
  for (const name of ["bun.ts", "hono-bun.ts"]) copyFileSync(fixture(name), join(project, name));
  copyFileSync(fixture("tsconfig.bun.json"), join(project, "tsconfig.json"));
  const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
  expect(run(BUN, [tsc, "-p", "."], { cwd: project, env: { PATH: PATH_WITH_RUNTIMES } })).toBe("");
});
