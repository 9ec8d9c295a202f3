#!/usr/bin/env node
// The `drain` bin. The CLI is TypeScript (src/); this file picks a way to load it that works where it runs:
// - an installed package (no tsconfig.json: it is not in `files`): dist/, built on prepack. Node and Deno both
//   refuse to strip types inside node_modules, so installed copies never load src/.
// - a source checkout (this repo): src/ directly on Bun, Deno and Node with type stripping (22.18+), else via tsx.
import { existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const checkout = existsSync(new URL("tsconfig.json", root));
const dist = new URL("dist/main.js", root);
const src = new URL("src/main.ts", root).href;
const stripsTypes = "Bun" in globalThis || "Deno" in globalThis || Boolean(process.features?.typescript);

if (!checkout && existsSync(dist)) {
  await import(dist.href);
} else if (stripsTypes) {
  await import(src);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    console.error("drain: this Node cannot run TypeScript and dist/ is missing: run `pnpm --filter @drain/cli build`, or use Node 22.18+.");
    process.exit(2);
  }
  register();
  await import(src);
}
