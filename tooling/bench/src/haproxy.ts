/**
 * HAProxy in front of the rolling-restart instances: a generated config in a temp dir, the process in the
 * foreground (`-db`), and the runtime API on a Unix socket to read each server's health state.
 *
 * Config choices (each one is what a production setup would do, scaled down to keep the benchmark short):
 * - `option httpchk` sending `GET /ready` as HTTP/1.1 with a Host header (Bun.serve rejects HAProxy's default
 *   HTTP/1.0 check without Host) + `http-check expect status 200`: drain answers readiness 503 from the signal on.
 * - `inter 100ms fall 2 rise 2`: a failing readiness takes a server out within about 2 checks (≤ ~300 ms with
 *   scheduling slack); drain's `notifyMs` (1 s here) must be longer than that, so the balancer has stopped
 *   sending before the listener closes. A restarted instance comes back after two good checks.
 * - `retries 3` + `option redispatch`: a connection refused (the instance is gone and not yet marked down) is
 *   retried on the other server. This is only `conn-failure`, HAProxy's default `retry-on`: the request never
 *   reached the app. `empty-response`/`response-timeout` retries are left off on purpose: they replay requests
 *   the app may have started (unsafe for non-idempotent ones), and they would hide the failures being counted.
 * - `timeout tunnel 1h`: WebSockets live as long as the client and server want, not `timeout server`.
 * - `timeout server 30s`: SSE streams send a tick every 50 ms, so only a dead server trips it.
 * - No `on-marked-down shutdown-sessions`: open SSE streams and WebSockets are for the instance to end well.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../vitest/free-port.ts";

export const HAPROXY = "/usr/sbin/haproxy";

export interface Backend {
  readonly name: string;
  readonly port: number;
}

export interface Haproxy {
  readonly port: number;
  /** Each server's status as the runtime API reports it (`UP`, `DOWN`, `UP 1/2`, `MAINT`, ...). */
  states(): Promise<Record<string, string>>;
  /** Resolve once `server` reports exactly `status` (polled on the runtime API every 20 ms). */
  waitFor(server: string, status: "UP" | "DOWN", timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The generated configuration (see the module comment for each choice). */
export function haproxyConfig(port: number, backends: readonly Backend[], socket: string): string {
  return [
    "global",
    "  maxconn 4000",
    `  stats socket ${socket} mode 600 level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 30s",
    "  timeout server 30s",
    "  timeout tunnel 1h",
    "  timeout http-keep-alive 30s",
    "  timeout check 1s",
    "  retries 3",
    "  option redispatch",
    "frontend front",
    `  bind 127.0.0.1:${port}`,
    "  default_backend instances",
    "backend instances",
    "  balance roundrobin",
    "  option httpchk",
    "  http-check send meth GET uri /ready ver HTTP/1.1 hdr host instance",
    "  http-check expect status 200",
    "  default-server inter 100ms fastinter 100ms downinter 100ms fall 2 rise 2",
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    "",
  ].join("\n");
}

function ask(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const conn = createConnection(socket, () => conn.end(`${command}\n`));
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => (out += chunk));
    conn.once("end", () => resolve(out));
    conn.once("error", reject);
  });
}

/** Start HAProxy on a free port in front of `backends`; resolves once its runtime API answers. */
export async function startHaproxy(backends: readonly Backend[]): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), "drain-haproxy-"));
  const socket = join(dir, "admin.sock");
  const port = await freePort();
  writeFileSync(join(dir, "haproxy.cfg"), haproxyConfig(port, backends, socket));
  const child: ChildProcess = spawn(HAPROXY, ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (errors = (errors + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const states = async (): Promise<Record<string, string>> => {
    const csv = await ask(socket, "show stat");
    const result: Record<string, string> = {};
    for (const line of csv.split("\n")) {
      const cells = line.split(",");
      if (cells[0] === "instances" && cells[1] !== "BACKEND") result[cells[1] as string] = cells[17] as string;
    }
    return result;
  };
  // The runtime API is up once HAProxy has parsed its config and bound its sockets.
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${errors}`);
    try {
      await states();
      break;
    } catch (error) {
      if (performance.now() - started > 10_000) throw new Error(`haproxy did not start: ${String(error)} ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return {
    port,
    states,
    async waitFor(server, status, timeoutMs): Promise<void> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const state = (await states())[server];
        if (state === status) return;
        if (performance.now() > deadline) throw new Error(`haproxy: ${server} still ${state} after ${timeoutMs} ms (waiting for ${status})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(): Promise<void> {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
