import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lines } from "./ndjson.ts";

async function collect(chunks: readonly (string | Uint8Array)[]): Promise<string[]> {
  const out: string[] = [];
  async function* source(): AsyncGenerator<string | Uint8Array> {
    yield* chunks;
  }
  for await (const line of lines(source())) out.push(line);
  return out;
}

describe("lines", () => {
  it("yields the same lines however the bytes are cut, multi-byte characters included", async () => {
    const line = fc.string({ unit: fc.constantFrom("a", "{", "\"", "é", "🙂", " ", "\r"), minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== "");
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), async (values, cuts) => {
        const bytes = new TextEncoder().encode(values.map((value) => `${value}\n`).join(""));
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i) => bytes.slice(start, points[i] ?? bytes.length));
        expect(await collect(chunks)).toEqual(values.map((value) => value.trim()));
      }),
    );
  });

  it("keeps a last line that has no newline, and skips blank lines", async () => {
    expect(await collect(["{\"a\":1}\n\n", "  \n{\"b\"", ":2}"])).toEqual(['{"a":1}', '{"b":2}']);
  });
});
