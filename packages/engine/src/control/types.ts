import type { Counts, Mode, Phase, Report } from "@drain/core";
import type { NotifyStatusBody } from "../notify.ts";

/** Hosts the control endpoint may bind over TCP: loopback only. */
export type ControlHost = "127.0.0.1" | "::1" | "localhost";

/** Token bucket of the control endpoint: `burst` requests at once, refilled at `perSecond`. */
export interface ControlRateLimit {
  /** Requests allowed at once. Default 10. */
  readonly burst?: number;
  /** Requests added back per second. Default 5. */
  readonly perSecond?: number;
}

/**
 * Where the control endpoint listens. A Unix socket (created with mode 0600, a stale file from a crash
 * replaced, removed at exit) or a loopback TCP port; nothing else.
 */
export type ControlOptions =
  | { readonly socket: string; readonly token?: string; readonly rateLimit?: ControlRateLimit }
  /** Over TCP every local user (and every container sharing the pod's loopback) can connect: the token is required. */
  | { readonly port: number; readonly host?: ControlHost; readonly token: string; readonly rateLimit?: ControlRateLimit };

/** The resolved place to listen, handed to the adapter's listener. */
export type ControlEndpoint =
  | { readonly transport: "unix"; readonly path: string }
  | { readonly transport: "tcp"; readonly host: ControlHost; readonly port: number };

/** Control options with every default filled in. */
export interface ControlSettings {
  readonly endpoint: ControlEndpoint;
  readonly token: string | undefined;
  readonly rateLimit: { readonly burst: number; readonly perSecond: number };
}

/** Who sent a control request, as the adapter's listener saw it. */
export interface ControlPeer {
  /** The remote IP for TCP; `"unix"` for a Unix socket (no peer address exists there). */
  readonly address: string;
  readonly transport: "unix" | "tcp";
}

/** The control endpoint as a web handler; the adapter's listener feeds it every request. Never rejects. */
export type ControlHandler = (request: Request, peer: ControlPeer) => Promise<Response>;

/** What the adapter's listener tells the engine. */
export interface ControlListenerEvents {
  /** Listening; `address` is `unix:/path` or `http://127.0.0.1:port`. */
  listening(address: string): void;
  /** Could not listen (or failed later). The server keeps serving without a control endpoint. */
  failed(error: unknown): void;
}

/** A running control listener. */
export interface ControlListener {
  /**
   * Stop accepting, let responses in flight (a shutdown's NDJSON stream ending with its report) finish,
   * then close what is left and remove the socket file. Resolves when it is all closed; never rejects.
   */
  close(): Promise<void>;
}

/** One control request, for the audit trail. */
export interface ControlAudit {
  readonly peer: ControlPeer;
  /** `"status"`, `"metrics"`, `"shutdown"`, or `"METHOD /path"` for anything else. */
  readonly action: string;
  /** `"ok"`, `"accepted"`, `"joined"`, `"escalated"`, or why it was refused (`"unauthorized"`, `"rate-limited"`, …). */
  readonly result: string;
  readonly status: number;
}

/** One shutdown request as the control endpoint passes it on. */
export interface ControlShutdownRequest {
  readonly mode?: Mode;
  readonly reason?: string;
  readonly timeoutMs?: number;
}

/** What the handler reads from (and asks of) the engine. Built by the engine; a fake in tests. */
export interface ControlSource {
  readonly runtime: string;
  readonly pid: number;
  now(): number;
  phase(): Phase;
  /** Whether readiness passes now (ready and serving): `ready` in `GET /status`. */
  ready(): boolean;
  /** The running shutdown's mode (`immediate` once escalated), or the configured one while serving. */
  mode(): Mode;
  counts(): Counts;
  msToDeadline(): number | undefined;
  /** Time left of the whole budget (cleanup hooks included) while shutting down; `undefined` while serving or once stopped. */
  msToBudgetEnd(): number | undefined;
  /** The notify phase as it stands or went (absent before a shutdown, and in fakes that leave it out). */
  notify?(): NotifyStatusBody | undefined;
  /** Live totals for the metrics. */
  totals(): { readonly requestsDuringShutdown: number; readonly forced: number };
  /** The final report, once there is one. */
  report(): Report | undefined;
  /** Whether the engine was disposed: nothing it answers can be acted on any more. */
  disposed(): boolean;
  /** Start (or escalate) a shutdown; rejects when the engine cannot (disposed). */
  shutdown(request: ControlShutdownRequest): Promise<unknown>;
  onPhase(listener: (phase: Phase) => void): () => void;
  onProgress(listener: (progress: { readonly counts: Counts; readonly msToDeadline: number }) => void): () => void;
  onReport(listener: (report: Report) => void): () => void;
  audit(event: ControlAudit): void;
}
