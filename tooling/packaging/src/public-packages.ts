/** The packages users install, where they live in the repository, and which of them Deno users get from JSR too. */
export interface PublicPackage {
  readonly name: string;
  /** The package's folder, from the repository root. */
  readonly dir: string;
  /** Published to JSR as well (TypeScript sources, for Deno). */
  readonly jsr: boolean;
  /** Has a library entry (types to check); the demo has only its bin. */
  readonly library: boolean;
}

export const PUBLIC_PACKAGES: readonly PublicPackage[] = [
  { name: "@drain/core", dir: "packages/core", jsr: true, library: true },
  { name: "@drain/engine", dir: "packages/engine", jsr: true, library: true },
  { name: "@drain/node", dir: "packages/node", jsr: false, library: true },
  { name: "@drain/bun", dir: "packages/bun", jsr: false, library: true },
  { name: "@drain/deno", dir: "packages/deno", jsr: true, library: true },
  { name: "@drain/hono", dir: "packages/hono", jsr: true, library: true },
  { name: "@drain/cli", dir: "packages/cli", jsr: true, library: true },
  { name: "@drain/demo", dir: "apps/demo", jsr: false, library: false },
];

/** `@drain/node` → `drain-node`: how npm and pnpm name a scoped package's tarball (without the version). */
export function tarballStem(name: string): string {
  return name.replace(/^@/, "").replace("/", "-");
}
