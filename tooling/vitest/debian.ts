/**
 * Installs Debian packages that a test needs (Chromium, HAProxy) when their binaries are missing, so the README's
 * test command works on a fresh machine with nothing but Node and npm. Call it from a test's `beforeAll`.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

let updated = false;

/**
 * Make sure each binary exists, installing its Debian package with apt-get when it does not.
 *
 * @example
 * ```ts
 * beforeAll(() => ensureDebianPackages({ "/usr/bin/chromium": "chromium" }), 600_000);
 * ```
 */
export function ensureDebianPackages(binaries: Record<string, string>): void {
  const missing = Object.entries(binaries).filter(([binary]) => !existsSync(binary));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    if (!updated) execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    updated = true;
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { stdio: "inherit", env });
  } catch (error) {
    throw new Error(
      `Could not install ${packages.join(", ")} with apt-get (${error instanceof Error ? error.message : String(error)}). ` +
        `Install them yourself (apt-get install -y ${packages.join(" ")}) and run the tests again.`,
    );
  }
  for (const [binary, pkg] of missing) {
    if (!existsSync(binary)) throw new Error(`apt-get installed ${pkg} but ${binary} is still missing.`);
  }
}
