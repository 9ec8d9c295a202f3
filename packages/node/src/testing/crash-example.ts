// The root README's "Crashes" example, run by crash-example.test.ts in a child process (an uncaught error would
// end the test runner itself). Only the lines marked "test" differ from the README.
import { createServer } from "node:http";
import { drain } from "@drain/node";

const reportToErrorTracker = async (error: unknown): Promise<void> => void console.log(`reported ${String(error)}`); // test

const server = createServer((req, res) => {
  if (req.url === "/crash") setTimeout(() => { throw new Error("boom"); }, 10); // test: a bug, from a timer
  res.end("hello");
});
const d = drain(server, { crash: { timeoutMs: 3_000 } }); // exit code 70 (exit.crashed) after the drain
d.onShutdown("errors", async ({ error }) => {
  if (error !== undefined) await reportToErrorTracker(error);
});
server.listen(0, () => console.log(`listening ${JSON.stringify(server.address())}`)); // test: port 0, said on stdout
