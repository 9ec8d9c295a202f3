/**
 * Work in flight at the signal, in the shapes a runtime's stop can cut: an upload whose body is still arriving, a
 * streamed download, and HTTP/2 streams. Each must complete in full, and the process must exit 0. They run on every
 * target, in its own protocol; HTTP/2 streams wherever the runtime serves HTTP/2 (see `Target.http2` and
 * `Target.h2cOnHttp1Port`), and where it cannot, the case asserts what the client sees instead (`gaps.noHttp2`).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import http2 from "node:http2";
import { expect, it } from "vitest";
import { connect, openH2, type H2Session } from "../clients.ts";
import { CONFORMANCE_DIR, type Fixture } from "../harness.ts";
import type { FetchLoopsResult } from "../fetch-loops.ts";
import type { Target } from "../targets.ts";
import { barrier, FORCED, later, PROMPT_MS, rejection, start } from "./_support.ts";

/** 4 MiB in 16 chunks of 256 KiB over 1.5 s: most of it still to come when the signal follows the head. */
const UPLOAD_BYTES = 4 * 1024 * 1024;
const UPLOAD_CHUNKS = 16;
const UPLOAD_MS = 1500;
/** 32 chunks of 16 KiB over 1.5 s (the fixtures' `/download`). */
const DOWNLOAD_CHUNKS = 32;
const DOWNLOAD_BYTES = DOWNLOAD_CHUNKS * 16 * 1024;
const DOWNLOAD_PATH = `/download?chunks=${DOWNLOAD_CHUNKS}&ms=1500`;

interface Sent {
  readonly status: number;
  readonly body: string;
  readonly connectionClose: boolean;
  readonly at: number;
  /** When the last body byte was handed to the socket. */
  readonly lastWriteAt: number;
}

/** Write the upload body in {@link UPLOAD_CHUNKS} chunks over {@link UPLOAD_MS}; resolves when the last one is written. */
function slowWrite(write: (chunk: Buffer) => void, end: () => void): Promise<number> {
  const chunk = Buffer.alloc(UPLOAD_BYTES / UPLOAD_CHUNKS, 0x61);
  return new Promise((resolve) => {
    let written = 0;
    const timer = setInterval(() => {
      write(chunk);
      written += 1;
      if (written === UPLOAD_CHUNKS) {
        clearInterval(timer);
        end();
        resolve(performance.now());
      }
    }, UPLOAD_MS / UPLOAD_CHUNKS);
    later(() => clearInterval(timer));
  });
}

/**
 * An upload on its own connection (an HTTP/2 session on h2-only targets); resolves once its head is written, with
 * the answer still to come (wrapped: an async function would wait for a promise it returns).
 */
async function startUpload(fixture: Fixture): Promise<{ readonly answer: Promise<Sent> }> {
  if (!fixture.target.http1) {
    const session = await h2(fixture.url);
    const stream = session.session.request({ ":method": "POST", ":path": "/upload", "content-length": String(UPLOAD_BYTES) });
    const answer = h2Answer(stream);
    const lastWrite = slowWrite((chunk) => stream.write(chunk), () => stream.end());
    return { answer: Promise.all([answer, lastWrite]).then(([response, lastWriteAt]) => ({ ...response, connectionClose: false, lastWriteAt })) };
  }
  const connection = await connect(fixture.url);
  later(() => connection.destroy());
  connection.write(`POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\ncontent-length: ${UPLOAD_BYTES}\r\n\r\n`);
  const lastWrite = slowWrite((chunk) => connection.write(chunk), () => {});
  const response = connection.readResponse(10_000);
  return { answer: Promise.all([response, lastWrite]).then(([answer, lastWriteAt]) => ({ ...answer, lastWriteAt })) };
}

async function h2(url: string): Promise<H2Session> {
  const session = await openH2(url);
  later(() => session.destroy());
  return session;
}

/** The status and body of one HTTP/2 stream; rejects when it is reset or ends without a response. */
function h2Answer(stream: http2.ClientHttp2Stream): Promise<{ status: number; body: string; at: number }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (error: Error) => reject(error));
    stream.on("close", () => {
      if (status === 0 || (stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR)) {
        reject(new Error(`HTTP/2 stream ended with code ${stream.rstCode} and status ${status}`));
      } else resolve({ status, body: Buffer.concat(chunks).toString("latin1"), at: performance.now() });
    });
  });
}

export function inFlightCases(target: Target): void {
  it("finishes an upload still arriving at the signal: 200 with every byte counted, Connection: close, exit 0", async () => {
    const fixture = await start(target);
    const upload = await startUpload(fixture);
    // The server has read the upload's head (the accept queue is FIFO): the body is now arriving, 1.3 s to go.
    await barrier(fixture);

    fixture.signal("SIGTERM");
    const sent = await upload.answer;
    expect(sent.status).toBe(200);
    expect(sent.body).toBe(`received ${UPLOAD_BYTES}`);
    // HTTP/2 has no Connection header: the session's GOAWAY says the same.
    if (target.http1) expect(sent.connectionClose).toBe(true);
    expect(sent.at).toBeGreaterThanOrEqual(sent.lastWriteAt);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.at - sent.at).toBeLessThan(PROMPT_MS);
    expect(fixture.report().clean).toBe(true);
  });

  it("holds the drain for an upload that stops sending until the deadline, and only then forces it", async () => {
    const timeoutMs = 1500;
    const fixture = await start(target, { options: { timeoutMs } });
    const chunk = Buffer.alloc(UPLOAD_BYTES / UPLOAD_CHUNKS, 0x61);
    let answer: Promise<unknown>;
    if (target.http1) {
      const connection = await connect(fixture.url);
      later(() => connection.destroy());
      connection.write(`POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${UPLOAD_BYTES}\r\n\r\n`);
      connection.write(chunk);
      answer = connection.readResponse(10_000);
    } else {
      const session = await h2(fixture.url);
      const stream = session.session.request({ ":method": "POST", ":path": "/upload", "content-length": String(UPLOAD_BYTES) });
      stream.write(chunk);
      answer = h2Answer(stream);
    }
    await barrier(fixture);

    fixture.signal("SIGTERM");
    const cut = rejection(answer);
    const exit = await fixture.exit;
    // Nothing cut it before the deadline; the deadline did, and the report says what it forced.
    expect(exit.code).toBe(FORCED);
    expect(exit.msSinceSignal).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(exit.msSinceSignal).toBeLessThan(timeoutMs + PROMPT_MS);
    await cut;
    const report = fixture.report();
    expect(report.clean).toBe(false);
    expect(report.connections.forced).toBe(1);
  });

  it("sends every byte of a streamed download in flight at the signal, then exits 0", async () => {
    const fixture = await start(target);
    let answer: Promise<{ status: number; body: string; at: number }>;
    let ended: Promise<{ readonly kind: string; readonly at: number }>;
    if (target.http1) {
      const connection = await connect(fixture.url);
      later(() => connection.destroy());
      connection.send(DOWNLOAD_PATH);
      answer = connection.readResponse(10_000);
      ended = connection.ended;
    } else {
      const session = await h2(fixture.url);
      answer = session.request(DOWNLOAD_PATH);
      ended = session.closed.then((at) => ({ kind: "closed", at }));
    }
    await barrier(fixture);

    fixture.signal("SIGTERM");
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(DOWNLOAD_BYTES);
    // Its head went out before the signal, so it cannot say close; the connection is closed right after it instead.
    const end = await ended;
    expect(end.kind).not.toBe("RST");
    expect(end.at - response.at).toBeLessThan(PROMPT_MS);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.at - response.at).toBeLessThan(PROMPT_MS);
    expect(fixture.report().clean).toBe(true);
  });

  // Every target: over its own HTTP/2, over h2c on its HTTP/1.1 port, or (gaps.noHttp2) asserting it is not served.
  it("completes HTTP/2 streams in flight at the signal (a slow response and a download) and exits 0", async () => {
    const fixture = await start(target);
    if (target.gaps.noHttp2 !== undefined) {
      // Gap (see target.gaps.noHttp2): the server does not speak HTTP/2, so a prior-knowledge session never starts.
      const error = await rejection(openH2(fixture.url, PROMPT_MS));
      expect(error.message).toMatch(/SETTINGS/);
      fixture.signal("SIGTERM");
      expect((await fixture.exit).code).toBe(0);
      return;
    }
    const session = await h2(fixture.url);
    const slow = session.request("/slow?ms=1500");
    const download = session.request(DOWNLOAD_PATH);
    // Streams are read in order: this answer shows the server has the two before it.
    expect((await session.request("/live")).status).toBe(200);

    fixture.signal("SIGTERM");
    const [slowAnswer, downloadAnswer] = await Promise.all([slow, download]);
    expect(slowAnswer.status).toBe(200);
    expect(slowAnswer.body).toBe("slow-done");
    expect(downloadAnswer.status).toBe(200);
    expect(downloadAnswer.body.length).toBe(DOWNLOAD_BYTES);
    const goaway = await session.goaway;
    expect(goaway.errorCode).toBe(0);
    const lastAnswer = Math.max(slowAnswer.at, downloadAnswer.at);
    if (target.gaps.goawayAfterStreams === undefined) expect(goaway.at).toBeLessThan(lastAnswer);
    // Gap (see target.gaps.goawayAfterStreams): GOAWAY comes once the streams are done.
    else expect(goaway.at).toBeGreaterThanOrEqual(lastAnswer);
    expect((await session.closed) - lastAnswer).toBeLessThan(PROMPT_MS);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(fixture.report().clean).toBe(true);
  });

  if (target.http1) {
    it("loses no request of 16 fetch (undici) keep-alive loops across the signal: refused, never reset", async () => {
      const fixture = await start(target, { options: { keepAliveGraceMs: 1000 } });
      const client = spawn(process.execPath, ["--import", "tsx", "src/fetch-loops.ts", fixture.url], {
        cwd: CONFORMANCE_DIR,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(CONFORMANCE_DIR, "fixtures/tls/cert.pem") },
        stdio: ["pipe", "pipe", "inherit"],
      });
      later(() => client.kill("SIGKILL"));
      const lines: string[] = [];
      let warm: () => void = () => {};
      const warmedUp = new Promise<void>((resolve) => (warm = resolve));
      const result = new Promise<FetchLoopsResult>((resolve, reject) => {
        let buffered = "";
        client.stdout.setEncoding("utf8");
        client.stdout.on("data", (data: string) => {
          buffered += data;
          for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            lines.push(line);
            if (line === "WARM") warm();
            if (line.startsWith("RESULT ")) resolve(JSON.parse(line.slice(7)) as FetchLoopsResult);
          }
        });
        client.on("exit", (code) => reject(new Error(`fetch loops exited (${code}) without a result: ${lines.join(" | ")}`)));
      });
      // Every loop has been answered a few times: the race is with requests on fresh and reused connections alike.
      await Promise.race([warmedUp, result.then(() => Promise.reject(new Error(`the loops ended before warming up: ${lines.join(" | ")}`)))]);

      fixture.signal("SIGTERM");
      client.stdin.write("SIGNALLED\n");
      const outcome = await result;
      expect(outcome.failures).toEqual([]);
      // Served after the signal (inside the keep-alive grace, with Connection: close), then refused.
      expect(outcome.okAfterSignal).toBeGreaterThan(0);
      const exit = await fixture.exit;
      expect(exit.code).toBe(0);
      expect(fixture.report().clean).toBe(true);
    });
  }
}
