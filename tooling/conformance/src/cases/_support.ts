/**
 * What every case shares: the base drain options, a fixture started and cleaned up per test,
 * a barrier that proves earlier requests reached the server, and protocol-neutral in-flight requests.
 */
import { onTestFailed, onTestFinished } from "vitest";
import { connect, fetchOnce, openH2 } from "../clients.ts";
import { startFixture, type Fixture, type StartOptions } from "../harness.ts";
import type { Target } from "../targets.ts";

/** The exit code the suite configures for a forced shutdown (distinct from 0, 1 and signal deaths). */
export const FORCED = 3;

/**
 * "Promptly": generous on purpose (a busy 2-core CI machine). Everything this bound guards
 * takes a few milliseconds when it works and seconds or forever when it does not.
 */
export const PROMPT_MS = 1500;

/** Fast timings for every case; a case overrides what it tests. */
export const BASE_OPTIONS: {
  readonly notifyMs: number;
  readonly timeoutMs: number;
  readonly keepAliveGraceMs: number;
  readonly wsCloseTimeoutMs: number;
  readonly exit: { readonly clean: number; readonly forced: number };
  readonly signals: readonly string[];
} = {
  notifyMs: 0,
  timeoutMs: 5000,
  keepAliveGraceMs: 100,
  wsCloseTimeoutMs: 500,
  exit: { clean: 0, forced: FORCED },
  signals: ["SIGTERM", "SIGINT"],
};

/** Start a fixture bound to the current test: killed when it ends, its output printed when it fails. */
export async function start(target: Target, options: StartOptions = {}): Promise<Fixture> {
  const fixture = await startFixture(target, { ...options, options: { ...BASE_OPTIONS, ...options.options } });
  onTestFailed(() => {
    console.error(
      `--- ${target.name} fixture stdout ---\n${fixture.stdoutLines.join("\n")}\n--- ${target.name} fixture stderr ---\n${fixture.stderr()}`,
    );
  });
  onTestFinished(() => fixture.stop());
  return fixture;
}

/** Run `cleanup` when the current test ends (client sockets, sessions). */
export function later(cleanup: () => void): void {
  onTestFinished(() => cleanup());
}

/**
 * A full round trip on a fresh connection. Requests written before it on other connections were read by the
 * server before this one's (the accept queue is FIFO and the loop reads ready sockets in order), so after it
 * returns the server knows about them.
 */
export async function barrier(fixture: Fixture): Promise<void> {
  const response = await fetchOnce(fixture.url, "/live", { http2: fixture.target.http2 && !fixture.target.http1 });
  if (response.status !== 200) throw new Error(`barrier: /live answered ${response.status}`);
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly at: number;
}

export interface InFlight {
  /** The answer, or the error when the connection/stream ended without one. */
  readonly response: Promise<Answer>;
  /** Whether an answer (or a failure) arrived yet. */
  settled(): boolean;
  /** When the connection (HTTP/1.1) or session (HTTP/2) ended: `FIN`, `RST` or `closed` (HTTP/2 session close). */
  readonly ended: Promise<{ readonly kind: string; readonly at: number }>;
}

/** Send one request on its own connection (HTTP/2 session on h2 targets) and do not wait for it. */
export async function inFlight(fixture: Fixture, path: string): Promise<InFlight> {
  let settled = false;
  const mark = <T>(promise: Promise<T>): Promise<T> => {
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    return promise;
  };
  if (fixture.target.http2) {
    const session = await openH2(fixture.url);
    later(() => session.destroy());
    const response = mark(session.request(path));
    return { response, settled: () => settled, ended: session.closed.then((at) => ({ kind: "closed", at })) };
  }
  const connection = await connect(fixture.url);
  later(() => connection.destroy());
  connection.send(path);
  const response = mark(connection.readResponse(30_000));
  return { response, settled: () => settled, ended: connection.ended };
}

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    throw Object.assign(new Error(`expected a failure, got ${JSON.stringify(value)}`), { unexpected: true });
  } catch (error) {
    if ((error as { unexpected?: boolean }).unexpected) throw error;
    return error as Error;
  }
}

