#!/usr/bin/env node
// House rules the compiler cannot check: one source tree that runs unchanged on Node, Bun and Deno, and no
// focused or skipped tests left behind. Usage: node check.mjs <dir>...  (exits 1 and lists every finding)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const rules = [
  {
    // Deno and Node's type stripping resolve only full file names.
    test: /^\s*(?:import|export)\b[^'"]*?\bfrom\s+["'](\.{1,2}\/[^"']*)["']/,
    bad: (match) => !match[1].endsWith(".ts") && !match[1].endsWith(".js") && !match[1].endsWith(".json"),
    message: "relative imports name the file with its extension (.ts)",
  },
  { test: /\b(?:it|test|describe)\.(?:only|skip)\s*\(|\bx(?:it|describe)\s*\(/, message: "no .only/.skip: a runtime gap is a capability flag with a reason" },
  { test: /^\s*(?:export\s+)?(?:const\s+)?enum\s+\w+/, message: "no enums: erasable syntax only (use a union of string literals)" },
  { test: /^\s*(?:export\s+)?(?:declare\s+)?namespace\s+\w+\s*\{/, message: "no namespaces: erasable syntax only" },
];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

const findings = [];
for (const dir of process.argv.slice(2)) {
  for (const file of files(dir)) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, index) => {
        for (const rule of rules) {
          const match = rule.test.exec(line);
          if (match && (rule.bad === undefined || rule.bad(match))) {
            findings.push(`${relative(process.cwd(), file)}:${index + 1}: ${rule.message}\n    ${line.trim()}`);
          }
        }
      });
  }
}
if (findings.length > 0) {
  console.error(findings.join("\n"));
  console.error(`lint: ${findings.length} finding(s)`);
  process.exit(1);
}
