/**
 * The server the systemd unit and the Kubernetes manifest run: node:http drained by @drain/node, with the control
 * endpoint on a Unix socket so `drain stop --wait` (ExecStop, preStop) can stop it and block until it is gone.
 *
 * Budget and notify time come from config.json (the tests read the same file to check the unit's TimeoutStopSec
 * and the manifest's terminationGracePeriodSeconds). Environment: DRAIN_CONTROL_SOCKET (the control socket),
 * PORT (0 picks one), HOST (127.0.0.1; 0.0.0.0 in a pod, so the kubelet's probes reach it).
 *
 * Run: `node --import tsx server.ts` (Node 22.18+: `node server.ts`).
 */
import { chmodSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname } from "node:path";
import { drain, writeResponse } from "@drain/node";

interface ExampleConfig {
  /** The whole shutdown budget: what is still open at its end is forced. */
  readonly timeoutMs: number;
  /** How long readiness fails while everything is still served, so load balancers move traffic first. */
  readonly notifyMs: number;
  readonly port: number;
}

const config = JSON.parse(readFileSync(new URL("./config.json", import.meta.url), "utf8")) as ExampleConfig;
const socket = process.env["DRAIN_CONTROL_SOCKET"] ?? "/tmp/drain-example.sock";
// Kubernetes creates an emptyDir with mode 0777, and `drain stop` refuses a socket in a directory others could write
// (they could swap the socket): take the write bits of others off the socket's directory, unless it is sticky (/tmp).
const dirMode = statSync(dirname(socket)).mode;
if ((dirMode & 0o1000) === 0 && (dirMode & 0o022) !== 0) chmodSync(dirname(socket), dirMode & 0o755);
const host = process.env["HOST"] ?? "127.0.0.1";

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  switch (url.pathname) {
    case "/ready":
      void writeResponse(res, drained.readiness(req));
      return;
    case "/live":
      void writeResponse(res, drained.liveness(req));
      return;
    case "/slow":
      // Work that is in flight when the stop comes: it finishes during the drain, with Connection: close. The
      // head goes out at once, so a client knows the request is in flight.
      res.writeHead(200, { "content-type": "text/plain" });
      res.flushHeaders();
      setTimeout(() => res.end("slow response done\n"), Number(url.searchParams.get("ms") ?? 3_000));
      return;
    default:
      res.end("hello\n");
  }
});

const drained = drain(server, { timeoutMs: config.timeoutMs, notifyMs: config.notifyMs, control: { socket } });

server.listen(Number(process.env["PORT"] ?? config.port), host, () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  console.log(`example: listening on http://${host}:${port} (pid ${process.pid}), control socket ${socket}`);
});
