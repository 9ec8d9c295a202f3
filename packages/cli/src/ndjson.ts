/**
 * Split a byte or text stream into lines as they arrive (NDJSON: one JSON value per line). A last line without a
 * newline is still yielded: a cut stream shows up as a missing report, not as a lost line. Blank lines are skipped.
 *
 * @example
 * ```ts
 * for await (const line of lines(response)) console.log(JSON.parse(line));
 * ```
 */
export async function* lines(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== "") yield line;
      newline = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield pending.trim();
}
