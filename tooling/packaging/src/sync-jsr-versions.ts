/**
 * After `changeset version`: give each JSR package (its `jsr.json`) the version changesets gave its `package.json`,
 * so npm and JSR publish the same version. Run by the root's `version-packages` script.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PUBLIC_PACKAGES } from "./public-packages.ts";
import { REPO_ROOT } from "./repo.ts";

for (const { dir, jsr } of PUBLIC_PACKAGES) {
  if (!jsr) continue;
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, dir, "package.json"), "utf8")) as { version: string };
  const file = join(REPO_ROOT, dir, "jsr.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { version: string };
  if (manifest.version === version) continue;
  writeFileSync(file, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  console.log(`${dir}/jsr.json: ${manifest.version} -> ${version}`);
}
