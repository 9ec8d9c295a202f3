/**
 * Plain JavaScript on Node 20 and on the newest Node the registry serves: the READMEs' `@drain/node` (with `ws`) and
 * `@drain/hono` (on `@hono/node-server` 2, npm's pick today) examples, installed with npm from the packed tarballs.
 * SIGTERM with a request in flight: a complete 200 with `Connection: close`, exit 0, and the report line. And
 * `drain stop --wait` from the installed `@drain/cli` against the example's control socket.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { node26 } from "@drain/node26";
import { beforeAll, describe, expect, it } from "vitest";
import { start } from "../../vitest/processes.ts";
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
    const socket = join(mkdtempSync(join(tmpdir(), "drain-sock-")), "drain.sock");
    const server = start([node, "node-ws.mjs"], { cwd: project, env: { DRAIN_SOCKET: socket } });
    try {
      await server.line(/listening on \d+/);
      // Not run synchronously: the server is this process's child, and only a running event loop reaps it.
      const stop = start([node, join(project, "node_modules", ".bin", "drain"), "stop", "--wait", "--socket", socket], { cwd: project, env: {} });
      expect((await stop.exit).code).toBe(0);
      expect(stop.stdout() + stop.stderr()).toMatch(/stopped clean/);
      expect((await server.exit).code).toBe(0);
      expect(server.stderr()).toMatch(CLEAN_REPORT);
    } finally {
      await server.kill();
    }
  });
});
