/**
 * The consistency check: every case expects the same outcome on every target unless a declared capability (a
 * protocol the target serves, or a measured gap with its reason) explains the difference. Prints the capability
 * table, so the differences between runtimes are visible in one place. Starts no fixture.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_TARGETS, capabilityTable, GAP_KEYS, gapReasons } from "../src/capabilities.ts";
import { CONFORMANCE_DIR } from "../src/harness.ts";
import * as targets from "../src/targets.ts";
import { bun, deno, honoBun, honoDeno, honoNode, honoNodeWs, node20Http } from "../src/targets.ts";

const CASES_DIR = join(CONFORMANCE_DIR, "src", "cases");
const caseSources = readdirSync(CASES_DIR)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => ({ file, text: readFileSync(join(CASES_DIR, file), "utf8") }));

/**
 * Case files allowed to compare a target's runtime, with the reason. Only set-up may differ there, never what a
 * case expects.
 */
const RUNTIME_CHECKS_ALLOWED: Readonly<Record<string, string>> = {
  "control.ts":
    "set-up only: Node and Bun tell systemd through the systemd-notify binary (installed first), Deno through its own " +
    "datagram socket (--unstable-net); and /status reports the runtime's own name",
};

describe("capabilities", () => {
  it("prints the capability table and every gap's measured reason", () => {
    console.log(`\nConformance capability table\n\n${capabilityTable(ALL_TARGETS)}\n\n${gapReasons(ALL_TARGETS)}\n`);
    for (const target of ALL_TARGETS) {
      for (const key of GAP_KEYS) {
        const reason = target.gaps[key];
        // A reason says what was measured or where it comes from, not just that something differs.
        if (reason !== undefined) expect(reason.length, `${target.name}.gaps.${key}`).toBeGreaterThan(60);
      }
    }
  });

  it("every gap a target declares is asserted by a case (a gap changes what a case expects, never skips it)", () => {
    const declared = new Set(ALL_TARGETS.flatMap((target) => GAP_KEYS.filter((key) => target.gaps[key] !== undefined)));
    for (const key of declared) {
      const users = caseSources.filter(({ text }) => text.includes(`gaps.${key}`)).map(({ file }) => file);
      expect(users, `gap ${key}`).not.toEqual([]);
    }
  });

  it("cases tell targets apart only by declared capabilities, never by runtime or name", () => {
    for (const { file, text } of caseSources) {
      const comparisons = text.match(/target\.(runtime|name)\s*[!=]==/g) ?? [];
      if (RUNTIME_CHECKS_ALLOWED[file] === undefined) expect(comparisons, file).toEqual([]);
    }
  });

  it("a Hono target declares what its runtime's bare target declares: the middleware adds no difference", () => {
    const keys = (gaps: object): string[] => Object.keys(gaps).sort();
    expect(keys(honoBun.gaps)).toEqual(keys(bun.gaps));
    expect(keys(honoDeno.gaps)).toEqual(keys(deno.gaps));
    expect(keys(honoNode.gaps)).toEqual(keys(node20Http.gaps));
    expect(keys(honoNodeWs.gaps)).toEqual(keys(node20Http.gaps));
    expect([honoBun.http2, honoBun.h2cOnHttp1Port]).toEqual([bun.http2, bun.h2cOnHttp1Port]);
    expect([honoDeno.http2, honoDeno.h2cOnHttp1Port]).toEqual([deno.http2, deno.h2cOnHttp1Port]);
  });

  it("every target says where HTTP/2 in flight is checked: it serves HTTP/2, or it declares noHttp2 with the reason", () => {
    for (const target of ALL_TARGETS) {
      const speaksHttp2 = target.http2 || target.h2cOnHttp1Port === true;
      expect(speaksHttp2 !== (target.gaps.noHttp2 !== undefined), target.name).toBe(true);
    }
  });

  it("lists every target a test file runs", () => {
    const names = new Set(ALL_TARGETS.map((target) => target.name));
    const testDir = join(CONFORMANCE_DIR, "test");
    for (const file of readdirSync(testDir).filter((name) => name.endsWith(".test.ts") && name !== "capabilities.test.ts")) {
      const imported = /import \{([^}]*)\} from "\.\.\/src\/targets\.ts"/.exec(readFileSync(join(testDir, file), "utf8"))?.[1] ?? "";
      const used = imported.split(",").map((name) => name.trim()).filter((name) => name !== "");
      expect(used.length, file).toBeGreaterThan(0);
      for (const name of used) {
        const target: unknown = (targets as Record<string, unknown>)[name];
        expect(names.has((target as { name?: string } | undefined)?.name ?? ""), `${file}: ${name}`).toBe(true);
      }
    }
  });

  it("the suite's README carries the table as printed", () => {
    const readme = readFileSync(join(CONFORMANCE_DIR, "README.md"), "utf8");
    expect(readme).toContain(capabilityTable(ALL_TARGETS));
  });
});
