#!/usr/bin/env node
// The `drain-demo` bin: `npx @drain/demo`, `bunx @drain/demo` and `deno run -A npm:@drain/demo` each start the demo
// on the runtime that runs them.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

// bunx honours this file's `node` shebang (only `bunx --bun` would not), so under bunx, whose user agent starts with
// "bun/", Node hands the demo over to Bun and passes on the signals a supervisor sends.
if (runtime === "node" && process.env.npm_config_user_agent?.startsWith("bun/")) {
  const child = spawn("bun", [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl+C reaches Bun from the terminal itself; passing it on too would be a second signal, which forces.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => {
    console.error(`drain-demo: bunx started this with Node, and Bun could not be started (${error.message}). Put bun on PATH, or run \`npx @drain/demo\` for the Node demo.`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
} else {
  await import(new URL(`../dist/${runtime}.js`, import.meta.url).href);
}
