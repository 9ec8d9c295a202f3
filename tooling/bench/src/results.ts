/** Where `pnpm bench` writes its JSON: tooling/bench/results/<part>.json (git-ignored). */
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform } from "node:os";
import { fileURLToPath } from "node:url";

/** The machine a result was measured on. */
export function machine(): Record<string, unknown> {
  return { platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadavg: loadavg() };
}

/** Write `results/<name>.json` and say so. */
export function writeResults(name: string, data: unknown): void {
  const dir = fileURLToPath(new URL("../results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`\nwrote results/${name}.json`);
}
