import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that nobody listened on a moment ago (the kernel picked it, then it was released), for
 * a server that must listen on a port known in advance (a second instance on the same port, a HAProxy backend).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
