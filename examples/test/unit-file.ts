/**
 * Just enough of systemd's unit-file syntax for the tests: `[Section]` headers, `Key=Value` lines (a key may
 * repeat), `#`/`;` comments, and command lines split the way systemd splits them (whitespace, with "double" and
 * 'single' quotes). Specifiers are left as written; the test substitutes them.
 */

export type UnitFile = ReadonlyMap<string, readonly string[]>;

/** Parse a unit file into `Section.Key -> values` (in file order). */
export function parseUnitFile(text: string): UnitFile {
  const entries = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] as string;
      continue;
    }
    const equals = line.indexOf("=");
    if (equals === -1) throw new Error(`not a Key=Value line: ${line}`);
    const key = `${section}.${line.slice(0, equals).trim()}`;
    entries.set(key, [...(entries.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return entries;
}

/** The one value of `key`; throws when it is missing or repeated. */
export function single(unit: UnitFile, key: string): string {
  const values = unit.get(key) ?? [];
  if (values.length !== 1) throw new Error(`expected one ${key}, found ${values.length}`);
  return values[0] as string;
}

/** `Environment=` lines as a record (`Environment=A=1` -> `{ A: "1" }`). */
export function environment(unit: UnitFile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of unit.get("Service.Environment") ?? []) {
    for (const assignment of splitCommandLine(value)) {
      const equals = assignment.indexOf("=");
      env[assignment.slice(0, equals)] = assignment.slice(equals + 1);
    }
  }
  return env;
}

/** Split an Exec line into argv as systemd does (no shell: quotes group, nothing else is special). */
export function splitCommandLine(line: string): string[] {
  const argv: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) argv.push(match[1] ?? match[2] ?? (match[3] as string));
  return argv;
}
