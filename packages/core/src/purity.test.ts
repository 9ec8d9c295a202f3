import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The core must stay pure: no clock, no timers, no randomness, no runtime globals, no dependencies.
 * The compiler settings turn most of these into type errors; this catches what types cannot
 * (a `globalThis` lookup, a dynamic import, a bare specifier).
 */
const SRC = fileURLToPath(new URL(".", import.meta.url));

const FORBIDDEN: readonly (readonly [RegExp, string])[] = [
  [/\bMath\s*\.\s*random\b/, "Math.random (randomness arrives as the shutdown seed)"],
  [/\bperformance\b/, "performance (time arrives as input.now)"],
  [/\bDate\b/, "Date (time arrives as input.now)"],
  [/\bsetTimeout\b/, "setTimeout (the caller schedules; see nextDeadline)"],
  [/\bsetInterval\b/, "setInterval (the caller schedules; see nextDeadline)"],
  [/\bqueueMicrotask\b/, "queueMicrotask"],
  [/\bprocess\b/, "process"],
  [/\bglobalThis\b/, "globalThis"],
  [/\bDeno\b/, "Deno"],
  [/\bBun\b/, "Bun"],
  [/\brequire\s*\(/, "require("],
  [/\bimport\s*\(/, "dynamic import("],
];

/** Non-test source files under src, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testing" ? [] : sources(path);
    const test = entry.name.endsWith(".test.ts") || entry.name.includes(".test-helpers.");
    return entry.name.endsWith(".ts") && !test ? [path] : [];
  });
}

/** Blank out comments, keeping line numbers. Strings stay: a forbidden name inside one still deserves a look. */
function stripComments(code: string): string {
  let out = "";
  let i = 0;
  let quote: string | undefined;
  while (i < code.length) {
    const ch = code[i] as string;
    const next = code[i + 1];
    if (quote !== undefined) {
      out += ch;
      if (ch === "\\") {
        out += next ?? "";
        i += 2;
        continue;
      }
      if (ch === quote) quote = undefined;
      i++;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      quote = ch;
      out += ch;
      i++;
      continue;
    }
    if (ch === "/" && next === "/") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2);
      const stop = end === -1 ? code.length : end + 2;
      out += code.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** Every problem in one file, as `file:line: what`. */
function problems(path: string): string[] {
  return problemsIn(relative(SRC, path), readFileSync(path, "utf8"));
}

function problemsIn(name: string, source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  code.split("\n").forEach((line, n) => {
    for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) found.push(`${name}:${n + 1}: ${what}`);
  });
  for (const match of code.matchAll(/\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']/g)) {
    const specifier = match[1] ?? match[2] ?? "";
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
      const line = code.slice(0, match.index).split("\n").length;
      found.push(`${name}:${line}: import of "${specifier}" (the core imports only its own files)`);
    }
  }
  return found;
}

describe("purity", () => {
  it("finds the core's sources", () => {
    const files = sources(SRC).map((f) => relative(SRC, f));
    expect(files).toContain("index.ts");
    expect(files).toContain("types.ts");
  });

  it("uses no clock, timer, randomness, runtime global or outside import", () => {
    expect(sources(SRC).flatMap(problems)).toEqual([]);
  });

  it("catches what it claims to catch", () => {
    const bad = [
      'import { x } from "node:fs";',
      "const t = Date.now();",
      "const r = Math.random();",
      "globalThis.setTimeout(f, 1);",
      'const m = await import("./x.ts");',
      'export * from "lodash";',
    ].join("\n");
    const good = ['import { a } from "./a.ts";', "// Date.now() is never read here", "/* process */ const x = 1;"].join("\n");
    const scan = (code: string): number => problemsIn("x.ts", code).length;
    expect(scan(bad)).toBe(7);
    expect(scan(good)).toBe(0);
  });
});
