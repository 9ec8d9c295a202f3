/**
 * Packs once for the whole packaging project: every test file installs the same tarballs, as users would get them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { packAll } from "./pack.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Package name → absolute path of its packed tarball. */
    tarballs: Record<string, string>;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "drain-packs-"));
  project.provide("tarballs", Object.fromEntries(packAll(dir)));
  return () => rmSync(dir, { recursive: true, force: true });
}
