/**
 * The stub control endpoint as its own process, for scenarios where the server's pid must really go away:
 * `node --import tsx stub-process.ts <scenario> <socket-path> [exit-after-ms|never]`. Prints `READY` once it
 * listens; after the report it exits (code 0, or 1 for "forced") after
 * `exit-after-ms`, or never; "dies-mid-stream" exits with code 70 in the middle of the stream.
 */
import { startStubControl, type Scenario } from "./stub-control.ts";

const [scenario, socket, exitAfter = "0"] = process.argv.slice(2) as [Scenario, string, string?];
const stub = await startStubControl({
  scenario,
  listen: socket,
  afterReport: () => {
    if (exitAfter === "never") return;
    void stub.close();
    setTimeout(() => process.exit(scenario === "forced" ? 1 : 0), Number(exitAfter));
  },
  die: () => process.exit(70),
});
console.log("READY");
