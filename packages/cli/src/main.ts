// The CLI's entry: `bun src/main.ts`, `deno run -A src/main.ts`, or Node through bin/drain.mjs.
import process from "node:process";
import { processIo } from "./io.ts";
import { run } from "./run.ts";

process.exitCode = await run(process.argv.slice(2), processIo, process.env);
