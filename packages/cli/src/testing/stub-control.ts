/**
 * A stand-in for a drained server's control endpoint, speaking the protocol from a script, so the CLI is tested
 * against every way a server can answer: clean, forced, joined, refusing, stalling, dying mid-stream, or staying
 * up after its report. Runs in-process (`startStubControl`) or as its own process (stub-process.ts), for
 * scenarios where the pid must really go away.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type Scenario =
  | "clean"
  | "forced"
  | "joined"
  | "stalls"
  | "dies-mid-stream"
  | "refuse-401"
  | "refuse-400"
  | "refuse-429"
  | "not-drain";

export interface StubOptions {
  readonly scenario: Scenario;
  /** Unix socket path, or 0 for a loopback port. */
  readonly listen: string | 0;
  /** The pid the stub claims to be (default: this process). */
  readonly pid?: number;
  /** When set, every request must carry `Authorization: Bearer <token>` (401 otherwise). */
  readonly token?: string;
  /** Called once the report was written and the response ended (the process stub exits from here). */
  readonly afterReport?: () => void;
  /** Called where the scenario dies abruptly (the process stub exits at once from here). */
  readonly die?: () => void;
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface StubControl {
  /** `{ socket }` or `{ url }` as strings for the CLI's flags. */
  readonly flags: readonly string[];
  readonly requests: readonly SeenRequest[];
  close(): Promise<void>;
}

const COUNTS = { neverUsed: 0, idle: 1, active: 1, requests: 1, upgraded: 0, closing: 0, sse: 2, websockets: 0 };
const STEP_MS = 20;

/** Start a stub control endpoint; resolves once it listens. */
export async function startStubControl(options: StubOptions): Promise<StubControl> {
  const pid = options.pid ?? process.pid;
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    void readAll(req).then((body) => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body });
      answer(options, pid, req, res);
    });
  });
  await new Promise<void>((resolve) => {
    if (options.listen === 0) server.listen(0, "127.0.0.1", resolve);
    else server.listen(options.listen, resolve);
  });
  const address = server.address();
  const flags = typeof address === "string" ? ["--socket", address] : ["--url", `http://127.0.0.1:${address?.port}`];
  return {
    flags,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(options: StubOptions, pid: number, req: IncomingMessage, res: ServerResponse): void {
  if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
    return error(res, 401, "ERR_DRAIN_CONTROL_UNAUTHORIZED", "send the control token as `Authorization: Bearer <token>`.");
  }
  switch (options.scenario) {
    case "refuse-401":
      return error(res, 401, "ERR_DRAIN_CONTROL_UNAUTHORIZED", "send the control token as `Authorization: Bearer <token>`.");
    case "refuse-400":
      return error(res, 400, "ERR_DRAIN_CONTROL_BAD_REQUEST", "mode must be graceful, lameduck or immediate.");
    case "refuse-429":
      return error(res, 429, "ERR_DRAIN_CONTROL_RATE_LIMITED", "too many control requests; retry after 7 s.", { "retry-after": "7" });
    case "not-drain":
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>Not Found</h1>");
      return;
    default:
  }
  if (req.url === "/status" && req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ pid, runtime: "node", phase: "serving", counts: COUNTS, msToDeadline: null }));
    return;
  }
  if (req.url !== "/shutdown" || req.method !== "POST") return error(res, 404, "ERR_DRAIN_CONTROL_NOT_FOUND", "unknown path.");
  stream(options, pid, res);
}

function stream(options: StubOptions, pid: number, res: ServerResponse): void {
  res.writeHead(202, { "content-type": "application/x-ndjson" });
  const write = (value: unknown): boolean => res.write(`${JSON.stringify(value)}\n`);
  const joined = options.scenario === "joined" ? { joined: true } : {};
  write({ type: "accepted", pid, mode: "graceful", phase: "notify", msToDeadline: 2_000, ...joined });
  const steps: (() => void)[] = [
    () => write({ type: "progress", phase: "drain", counts: COUNTS, msToDeadline: 1_500 }),
    () => write({ type: "progress", phase: "cleanup", counts: { ...COUNTS, active: 0, requests: 0, sse: 0 }, msToDeadline: 900 }),
  ];
  if (options.scenario === "dies-mid-stream") steps.push(() => (options.die ?? (() => res.destroy()))());
  else if (options.scenario === "stalls") steps.push(() => void 0);
  else {
    steps.push(() => {
      res.end(`${JSON.stringify({ type: "report", pid, report: report(options.scenario !== "forced") })}\n`);
      res.once("finish", () => options.afterReport?.());
    });
  }
  let index = 0;
  const timer = setInterval(() => {
    const step = steps[index++];
    if (step === undefined) {
      // "stalls": keep ticking, never report.
      write({ type: "progress", phase: "drain", counts: COUNTS, msToDeadline: 1_000 });
      return;
    }
    step();
    if (index === steps.length && options.scenario !== "stalls") clearInterval(timer);
  }, STEP_MS);
  res.once("close", () => clearInterval(timer));
}

function report(clean: boolean): Record<string, unknown> {
  return {
    mode: "graceful",
    reason: "stub",
    clean,
    escalated: false,
    requestedAt: 0,
    stoppedAt: 60,
    durationMs: 60,
    phases: [],
    connections: { closedIdle: 1, closedNeverUsed: 0, closedAfterResponse: 1, forced: clean ? 0 : 2 },
    sse: { ended: 2, forced: 0 },
    websockets: { closed: 0, forced: 0 },
    requestsDuringShutdown: 0,
    hooks: [{ name: "db", result: clean ? "ok" : "timeout", durationMs: 5 }],
  };
}

function error(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

async function readAll(req: IncomingMessage): Promise<string> {
  req.setEncoding("utf8");
  let body = "";
  for await (const chunk of req) body += chunk as string;
  return body;
}
