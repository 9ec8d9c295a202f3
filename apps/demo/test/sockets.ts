/**
 * Counts the client side of the TCP connections to a local port, from the kernel's table (Linux), so the browser
 * test can show that Chromium really holds spare and idle connections when the server is told to stop.
 */
import { readFileSync } from "node:fs";

const ESTABLISHED = "01";

/**
 * How many established connections go to `port` on this machine (seen from their client end).
 *
 * @example
 * ```ts
 * clientConnections(3000); // 5: Chromium's page, EventSource, fetch stream, WebSocket and a preconnect
 * ```
 */
export function clientConnections(port: number): number {
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const rows = readFileSync(table, "utf8").trim().split("\n").slice(1);
    for (const row of rows) {
      const [, , remote, state] = row.trim().split(/\s+/);
      if (state === ESTABLISHED && parseInt(remote?.split(":")[1] ?? "", 16) === port) count += 1;
    }
  }
  return count;
}

