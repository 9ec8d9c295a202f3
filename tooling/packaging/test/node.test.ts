/**
 * Plain JavaScript on Node 20 and on the newest Node the registry serves: every library package imports, and the
 * READMEs' `@drain/node` (with `ws`) and `@drain/hono` examples (on `@hono/node-server` 2, npm's pick today, and on
 * 1.19 with `@hono/node-ws`), installed with npm from the packed tarballs.
 * SIGTERM with a request in flight: a complete 200 with `Connection: close`, exit 0, and the report line. And
 * `drain stop --wait` from the installed `@drain/cli` against the example's control socket.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { node26 } from "@drain/node26";
import { beforeAll, describe, expect, it } from "vitest";
import { start } from "../../vitest/processes.ts";
import { stopThroughControlSocket } from "../src/control-stop.ts";
import { CLEAN_REPORT, sigtermWithRequestInFlight } from "../src/in-flight.ts";
import { npmInstall } from "../src/installers.ts";
import { freshProject } from "../src/project.ts";
import { PUBLIC_PACKAGES } from "../src/public-packages.ts";
import { run } from "../src/run.ts";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

let project: string;
/** The @drain/hono README's alternative: @hono/node-server pinned to 1.19, with @hono/node-ws. */
let nodeWsProject: string;
beforeAll(() => {
  project = freshProject("node");
  npmInstall(project, ["@drain/node", "@drain/hono", "@drain/cli", "ws", "hono", "@hono/node-server"]);
  for (const name of ["node-ws.mjs", "hono-node.mjs"]) copyFileSync(fixture(name), join(project, name));
  nodeWsProject = freshProject("node-ws");
  npmInstall(nodeWsProject, ["@drain/hono", "@drain/node", "hono", "@hono/node-server@1.19", "@hono/node-ws"]);
  copyFileSync(fixture("hono-node-ws.mjs"), join(nodeWsProject, "hono-node-ws.mjs"));
});

/** The library packages a user may import on Node (the Bun and Deno adapters load there too; they check at `drain()`). */
const LIBRARIES = PUBLIC_PACKAGES.filter((p) => p.library).map((p) => p.name);

describe.each([
  ["Node 20", process.execPath],
  ["Node 26", node26],
])("on %s", (_, node) => {
  it("runs on the version it is", () => {
    expect(run(node, ["--version"], { cwd: project })).toMatch(_ === "Node 20" ? /^v20\./ : /^v26\./);
  });

  it("imports every library package from node_modules", () => {
    const dir = freshProject("imports");
    npmInstall(dir, LIBRARIES);
    const script = `for (const name of ${JSON.stringify(LIBRARIES)}) { const m = await import(name); if (Object.keys(m).length === 0) throw new Error(name + " exports nothing"); }`;
    run(node, ["--input-type=module", "-e", script], { cwd: dir });
  });

  it.each([
    ["node-ws.mjs", () => project],
    ["hono-node.mjs", () => project],
    ["hono-node-ws.mjs", () => nodeWsProject],
  ])("%s drains a request in flight and exits 0 with its report", async (app, dir) => {
    const outcome = await sigtermWithRequestInFlight(start([node, app], { cwd: dir(), env: {} }));
    expect(outcome).toMatchObject({ status: 200, connection: "close", body: "done", exit: { code: 0, signal: null } });
    expect(outcome.stderr).toMatch(CLEAN_REPORT);
  });

  it("stops through the control socket with the installed `drain stop --wait`", async () => {
    const drainBin = join(project, "node_modules", ".bin", "drain");
    const outcome = await stopThroughControlSocket([node, "node-ws.mjs"], (socket) => [node, drainBin, "stop", "--wait", "--socket", socket], {
      cwd: project,
      env: {},
    });
    expect(outcome.cli).toMatchObject({ code: 0, output: expect.stringMatching(/stopped clean/) });
    expect(outcome.server.code).toBe(0);
    expect(outcome.server.stderr).toMatch(CLEAN_REPORT);
  });
});
