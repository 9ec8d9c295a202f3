/**
 * Deno users, both ways the READMEs show:
 * - JSR (`deno add jsr:@drain/deno`): `deno publish --dry-run` passes (type checks, no slow types), its names,
 *   versions and exports match npm's, and the READMEs' examples run from exactly the files it would upload;
 * - npm (`deno add npm:@drain/deno`): the packed tarballs, installed with npm, resolved by Deno's `npm:` specifiers.
 * Each: `deno check`, then SIGTERM with a request in flight: a complete 200 with `Connection: close`, exit 0 and the
 * report line. And the CLI README's Deno form, `deno run -A npm:@drain/cli stop --wait`, against a control socket.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { start } from "../../vitest/processes.ts";
import { stopThroughControlSocket } from "../src/control-stop.ts";
import { CLEAN_REPORT, sigtermWithRequestInFlight } from "../src/in-flight.ts";
import { DENO, npmInstall } from "../src/installers.ts";
import { jsrDryRun, jsrLayout } from "../src/jsr-layout.ts";
import { freshProject, writeFile } from "../src/project.ts";
import { PUBLIC_PACKAGES } from "../src/public-packages.ts";
import { REPO_ROOT } from "../src/repo.ts";
import { run } from "../src/run.ts";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const APPS = ["deno.ts", "hono-deno.ts"];
const HONO = "npm:hono@^4.6.0";
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8"));

describe.each(PUBLIC_PACKAGES.filter((p) => p.jsr))("$name on JSR", ({ name, dir }) => {
  it("has the same name, version and entry points as on npm", () => {
    const jsr = readJson(join(REPO_ROOT, dir, "jsr.json")) as { exports: string | Record<string, string> };
    const npm = readJson(join(REPO_ROOT, dir, "package.json")) as { version: string; exports: Record<string, string> };
    expect(jsr).toMatchObject({ name, version: npm.version });
    // JSR takes one entry as a string, several as an object; npm's workspace exports add "./package.json".
    const jsrExports = typeof jsr.exports === "string" ? { ".": jsr.exports } : jsr.exports;
    const npmExports = Object.fromEntries(Object.entries(npm.exports).filter(([key]) => key !== "./package.json"));
    expect(jsrExports).toEqual(npmExports);
  });
});

/** `deno check` of the README examples, then each one drains a request in flight: the same in every Deno project. */
function runsTheExamples(project: () => string): void {
  it("the README examples pass deno check", () => {
    run(DENO, ["check", ...APPS], { cwd: project() });
  });

  it.each(APPS)("%s drains a request in flight and exits 0 with its report", async (app) => {
    const outcome = await sigtermWithRequestInFlight(start([DENO, "run", "-A", app], { cwd: project(), env: { HOME: process.env["HOME"] ?? "" } }));
    expect(outcome).toMatchObject({ status: 200, connection: "close", body: "done", exit: { code: 0, signal: null } });
    expect(outcome.stderr).toMatch(CLEAN_REPORT);
  });
}

describe("from JSR", () => {
  let project: string;
  beforeAll(() => {
    const dryRun = jsrDryRun();
    expect(dryRun).toMatch(/Dry run complete/);
    project = freshProject("deno-jsr", { packageJson: false });
    const entries = jsrLayout(dryRun, join(project, "jsr"));
    // What `deno add jsr:@drain/deno jsr:@drain/hono npm:hono` gives, with JSR served from the local copy.
    const imports = { ...Object.fromEntries([...entries].map(([pkg, entry]) => [pkg, entry])), hono: HONO, "hono/": "npm:/hono@^4.6.0/" };
    writeFile(project, "deno.json", JSON.stringify({ imports }, null, 2));
    for (const app of APPS) copyFileSync(fixture(app), join(project, app));
  });

  runsTheExamples(() => project);
});

describe("from npm", () => {
  let project: string;
  beforeAll(() => {
    project = freshProject("deno-npm");
    npmInstall(project, ["@drain/deno", "@drain/hono", "@drain/cli", "hono"]);
    // What `deno add npm:@drain/deno npm:@drain/hono npm:hono` writes; Deno resolves them from node_modules.
    const version = (readJson(join(project, "node_modules", "@drain", "deno", "package.json")) as { version: string }).version;
    const imports = { "@drain/deno": `npm:@drain/deno@^${version}`, "@drain/hono": `npm:@drain/hono@^${version}`, hono: HONO };
    writeFile(project, "deno.json", JSON.stringify({ imports, nodeModulesDir: "manual" }, null, 2));
    for (const app of APPS) copyFileSync(fixture(app), join(project, app));
  });

  runsTheExamples(() => project);

  it("stops through the control socket with `deno run -A npm:@drain/cli stop --wait`", async () => {
    const env = { HOME: process.env["HOME"] ?? "" };
    const outcome = await stopThroughControlSocket([DENO, "run", "-A", "deno.ts"], (socket) => [DENO, "run", "-A", "npm:@drain/cli", "stop", "--wait", "--socket", socket], {
      cwd: project,
      env,
    });
    expect(outcome.cli).toMatchObject({ code: 0, output: expect.stringMatching(/stopped clean/) });
    expect(outcome.server.code).toBe(0);
    expect(outcome.server.stderr).toMatch(CLEAN_REPORT);
  });
});
