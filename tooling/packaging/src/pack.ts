import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PUBLIC_PACKAGES, tarballStem } from "./public-packages.ts";
import { REPO_ROOT } from "./repo.ts";
import { pnpm, run } from "./run.ts";

/**
 * Pack every public package into `outDir` exactly as `pnpm publish` would (each `prepack` builds `dist/`, in
 * dependency order; `workspace:*` and `publishConfig` are rewritten), and return each package's tarball path.
 *
 * @example
 * ```ts
 * const tarballs = packAll(mkdtempSync(join(tmpdir(), "drain-packs-")));
 * tarballs.get("@drain/node"); // ".../drain-node-0.1.0.tgz"
 * ```
 */
export function packAll(outDir: string): Map<string, string> {
  const filters = PUBLIC_PACKAGES.flatMap((p) => ["--filter", `./${p.dir}`]);
  const [file, ...args] = pnpm(["-r", ...filters, "pack", "--pack-destination", outDir]);
  run(file, args, { cwd: REPO_ROOT });
  const files = readdirSync(outDir);
  return new Map(
    PUBLIC_PACKAGES.map((p) => {
      const found = files.find((name) => new RegExp(`^${tarballStem(p.name)}-\\d+\\.\\d+\\.\\d+.*\\.tgz$`).test(name));
      if (found === undefined) throw new Error(`pnpm pack made no tarball for ${p.name} in ${outDir}: ${files.join(", ")}`);
      return [p.name, join(outDir, found)];
    }),
  );
}
