/**
 * Bun users: `bun add` from the packed tarballs, the READMEs' `@drain/bun` and `@drain/hono` (`hono/bun`) examples,
 * SIGTERM with a request in flight: a complete 200 with `Connection: close`, exit 0, and the report line. And the
 * CLI README's Bun form, `bunx --bun drain stop --wait`, against the example's control socket.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { start } from "../../vitest/processes.ts";
import { CLEAN_REPORT, sigtermWithRequestInFlight } from "../src/in-flight.ts";
import { stopThroughControlSocket } from "../src/control-stop.ts";
import { BUN, bunAdd, PATH_WITH_RUNTIMES } from "../src/installers.ts";
import { freshProject } from "../src/project.ts";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

let project: string;
beforeAll(() => {
  project = freshProject("bun");
  bunAdd(project, ["@drain/bun", "@drain/hono", "@drain/cli", "hono"]);
  for (const name of ["bun.ts", "hono-bun.ts"]) copyFileSync(fixture(name), join(project, name));
});

it.each(["bun.ts", "hono-bun.ts"])("%s drains a request in flight and exits 0 with its report", async (app) => {
  const outcome = await sigtermWithRequestInFlight(start([BUN, app], { cwd: project, env: {} }));
  expect(outcome).toMatchObject({ status: 200, connection: "close", body: "done", exit: { code: 0, signal: null } });
  expect(outcome.stderr).toMatch(CLEAN_REPORT);
});

it("stops through the control socket with `bunx --bun drain stop --wait`", async () => {
  const outcome = await stopThroughControlSocket([BUN, "bun.ts"], (socket) => ["bunx", "--bun", "drain", "stop", "--wait", "--socket", socket], {
    cwd: project,
    env: { PATH: PATH_WITH_RUNTIMES },
  });
  expect(outcome.cli).toMatchObject({ code: 0, output: expect.stringMatching(/stopped clean/) });
  expect(outcome.server.code).toBe(0);
  expect(outcome.server.stderr).toMatch(CLEAN_REPORT);
});
