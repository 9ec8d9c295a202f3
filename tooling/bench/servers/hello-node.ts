/**
 * Keep-alive hello world on `node:http`, for the overhead benchmark. `VARIANT`: `bare` (nothing attached),
 * `drain` (@drain/node), `http-terminator`, or `stoppable` (the usual Node libraries, attached the way their
 * READMEs show). Run: `VARIANT=drain node --import tsx servers/hello-node.ts`.
 */
import { createServer } from "node:http";
import { drain, type NodeDrainOptions } from "@drain/node";
import { createHttpTerminator } from "http-terminator";
import stoppable from "stoppable";
import { announceReady, readArgs } from "./_args.ts";

const args = readArgs((key) => process.env[key]);
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("hello world");
});

switch (args.variant) {
  case "bare":
    break;
  case "drain":
    drain(server, args.drainOptions as NodeDrainOptions);
    break;
  case "http-terminator": {
    const terminator = createHttpTerminator({ server });
    process.once("SIGTERM", () => void terminator.terminate().then(() => process.exit(0)));
    break;
  }
  case "stoppable": {
    const stoppableServer = stoppable(server, 5_000);
    process.once("SIGTERM", () => stoppableServer.stop(() => process.exit(0)));
    break;
  }
  default:
    throw new TypeError(`VARIANT must be bare, drain, http-terminator or stoppable; got ${args.variant}`);
}

server.listen(args.port, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  announceReady(address.port);
});
