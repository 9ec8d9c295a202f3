/**
 * Plain JavaScript on Node 20 and on the newest Node the registry serves: the READMEs' `@drain/node` (with `ws`) and
 * `@drain/hono` (on `@hono/node-server` 2, npm's pick today) examples, installed with npm from the packed tarballs.
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
import { run } from "../src/run.ts";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

let project: string;
beforeAll(() => {
  project = freshProject("node");
  npmInstall(project, ["@drain/node", "@drain/hono", "@drain/cli", "ws", "hono", "@hono/node-server"]);
  for (const name of ["node-ws.mjs", "hono-node.mjs"]) copyFileSync(fixture(name), join(project, name));
});

describe.each([
  ["Node 20", process.execPath],
  ["Node 26", node26],
])("on %s", (_, node) => {
  it("runs on the version it is", () => {
    expect(run(node, ["--version"], { cwd: project })).toMatch(_ === "Node 20" ? /^v20\./ : /^v26\./);
  });

  it.each(["node-ws.mjs", "hono-node.mjs"])("%s drains a request in flight and exits 0 with its report", async (app) => {
    const outcome = await sigtermWithRequestInFlight(start([node, app], { cwd: project, env: {} }));
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
