/**
 * The demo from a registry, with no clone: `npx @drain/demo` on Node, `bunx @drain/demo` on Bun and
 * `deno run -A npm:@drain/demo` on Deno, each from the packed tarball installed with npm. Each serves the page and
 * readiness, and on a stop (SIGTERM to the process group, as a terminal's Ctrl-C or a supervisor's group kill
 * reaches it) drains and writes a clean report.
 */
import { beforeAll, expect, it } from "vitest";
import { freePort } from "../../vitest/free-port.ts";
import { start } from "../../vitest/processes.ts";
import { CLEAN_REPORT } from "../src/in-flight.ts";
import { DENO, npmInstall, PATH_WITH_RUNTIMES } from "../src/installers.ts";
import { freshProject } from "../src/project.ts";

let project: string;
beforeAll(() => {
  project = freshProject("demo");
  npmInstall(project, ["@drain/demo"]);
});

it.each([
  ["node", ["npx", "@drain/demo"]],
  ["bun", ["bunx", "@drain/demo"]],
  ["deno", [DENO, "run", "-A", "npm:@drain/demo"]],
] as const)("starts on %s and drains clean", async (runtime, argv) => {
  const port = await freePort();
  const demo = start(argv, { cwd: project, env: { PATH: PATH_WITH_RUNTIMES, HOME: process.env["HOME"] ?? "", PORT: String(port) }, group: true });
  try {
    await demo.line(new RegExp(`demo: ${runtime} pid \\d+ listening on http://127\\.0\\.0\\.1:${port}/`), "stderr");
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("drain");
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    demo.signalGroup("SIGTERM");
    await demo.exit;
    expect(demo.stderr()).toMatch(CLEAN_REPORT);
  } finally {
    await demo.kill();
  }
});
