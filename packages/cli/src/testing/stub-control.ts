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
  | "hooks-past-deadline"
  | "budget-over-stalls"
  | "legacy-stalls"
  | "cannot-start"
  | "refuse-401"
  | "refuse-400"
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
  /** Answer the first `count` requests 429 with this `Retry-After` (seconds), as a rate-limited endpoint does. */
  readonly rateLimit?: { readonly count: number; readonly retryAfterSeconds: number };
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
  /** Requests that came before the time an earlier 429's `Retry-After` asked for. */
  readonly tooEarly: () => number;
  close(): Promise<void>;
}

const COUNTS = { neverUsed: 0, idle: 1, active: 1, requests: 1, upgraded: 0, closing: 0, sse: 2, websockets: 0 };
const STEP_MS = 20;
/** "hooks-past-deadline": how long its cleanup hooks run after the force deadline, inside the budget. */
export const HOOKS_PAST_DEADLINE_MS = 1_500;

/** Start a stub control endpoint; resolves once it listens. */
export async function startStubControl(options: StubOptions): Promise<StubControl> {
  const pid = options.pid ?? process.pid;
  const requests: SeenRequest[] = [];
  let limited = 0;
  let retryAt = 0;
  let tooEarly = 0;
  const server: Server = createServer((req, res) => {
    void readAll(req).then((body) => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body });
      // A little slack for timer granularity: a client that honours Retry-After never comes this early.
      if (Date.now() < retryAt - 20) tooEarly++;
      if (options.rateLimit !== undefined && limited < options.rateLimit.count) {
        limited++;
        retryAt = Date.now() + options.rateLimit.retryAfterSeconds * 1_000;
        return error(res, 429, "ERR_DRAIN_CONTROL_RATE_LIMITED", "too many control requests; retry later.", {
          "retry-after": String(options.rateLimit.retryAfterSeconds),
        });
      }
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
    tooEarly: () => tooEarly,
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
    case "not-drain":
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>Not Found</h1>");
      return;
    default:
  }
  if (req.url === "/status" && req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ pid, runtime: "node", phase: "serving", counts: COUNTS, msToDeadline: null, msToBudgetEnd: null }));
    return;
  }
  if (req.url !== "/shutdown" || req.method !== "POST") return error(res, 404, "ERR_DRAIN_CONTROL_NOT_FOUND", "unknown path.");
  stream(options, pid, res);
}

/** One scripted moment of the stream: wait `afterMs` after the previous one, then act. */
interface Step {
  readonly afterMs: number;
  readonly run: () => void;
}

function stream(options: StubOptions, pid: number, res: ServerResponse): void {
  res.writeHead(202, { "content-type": "application/x-ndjson" });
  const write = (value: unknown): boolean => res.write(`${JSON.stringify(value)}\n`);
  const progress = (phase: string, msToDeadline: number | null, msToBudgetEnd: number | null, counts = COUNTS): (() => void) =>
    options.scenario === "legacy-stalls"
      ? () => write({ type: "progress", phase, counts, msToDeadline }) // A server from before msToBudgetEnd.
      : () => write({ type: "progress", phase, counts, msToDeadline, msToBudgetEnd });
  const finish = (): void => {
    res.end(`${JSON.stringify({ type: "report", pid, report: report(options.scenario !== "forced") })}\n`);
    res.once("finish", () => options.afterReport?.());
  };
  const quiet = { ...COUNTS, active: 0, requests: 0, sse: 0 };
  const joined = options.scenario === "joined" ? { joined: true } : {};
  let accepted: Record<string, unknown> = { type: "accepted", pid, mode: "graceful", phase: "notify", msToDeadline: 2_000, msToBudgetEnd: 2_500, ...joined };
  let steps: Step[] = [
    { afterMs: STEP_MS, run: progress("drain", 1_500, 2_000) },
    { afterMs: STEP_MS, run: progress("cleanup", null, 1_400, quiet) },
  ];
  let tick: (() => void) | undefined;
  switch (options.scenario) {
    case "dies-mid-stream":
      steps.push({ afterMs: STEP_MS, run: () => (options.die ?? (() => res.destroy()))() });
      break;
    case "stalls":
      tick = progress("drain", 1_000, 1_500);
      break;
    case "hooks-past-deadline":
      // The force deadline is 40 ms away, the budget's end 1.5 s later: cleanup hooks use that reserve in full.
      accepted = { ...accepted, phase: "drain", msToDeadline: 40, msToBudgetEnd: 40 + HOOKS_PAST_DEADLINE_MS };
      steps = [
        { afterMs: STEP_MS, run: progress("drain", 20, 20 + HOOKS_PAST_DEADLINE_MS) },
        { afterMs: STEP_MS, run: progress("cleanup", null, HOOKS_PAST_DEADLINE_MS, quiet) },
        { afterMs: HOOKS_PAST_DEADLINE_MS - 2 * STEP_MS, run: progress("stopped", null, null, quiet) },
        { afterMs: 0, run: finish },
      ];
      break;
    case "budget-over-stalls":
      // A minute announced, then the budget is over (the server escalated, or its clock says so), and nothing more.
      accepted = { ...accepted, msToDeadline: 50_000, msToBudgetEnd: 60_000 };
      steps = [{ afterMs: STEP_MS, run: progress("cleanup", null, 0, quiet) }];
      break;
    case "cannot-start":
      // What a disposed drain answers: accepted, then an error line, and the stream ends.
      accepted = { ...accepted, phase: "serving", msToDeadline: null, msToBudgetEnd: null };
      steps = [
        {
          afterMs: 0,
          run: () => res.end(`${JSON.stringify({ type: "error", error: { code: "ERR_DRAIN_DISPOSED", message: "This drain was disposed." } })}\n`),
        },
      ];
      break;
    case "legacy-stalls":
      // A server from before msToBudgetEnd: the force deadline only, null once past it, then no report.
      accepted = { type: "accepted", pid, mode: "graceful", phase: "drain", msToDeadline: 200 };
      steps = [];
      tick = progress("cleanup", null, null, quiet);
      break;
    default:
      steps.push({ afterMs: STEP_MS, run: finish });
  }
  write(accepted);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = (index: number): void => {
    const step = steps[index];
    if (step !== undefined) {
      timer = setTimeout(() => {
        step.run();
        next(index + 1);
      }, step.afterMs);
    } else if (tick !== undefined) {
      const again = tick;
      timer = setTimeout(() => {
        again();
        next(index);
      }, STEP_MS);
    }
  };
  next(0);
  res.once("close", () => clearTimeout(timer));
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
