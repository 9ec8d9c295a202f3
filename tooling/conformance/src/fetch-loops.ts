/**
 * An independent client process: `LOOPS` keep-alive loops of `fetch(url + "/")` (Node's own fetch, undici), each
 * sending its next request as soon as the last one is answered. It prints `WARM` once every loop has been
 * answered `WARM_UP` times, and a `RESULT {json}` line when every loop was refused (the listener is closed) or
 * `MAX_MS` passed. A refused connection (`ECONNREFUSED`) ends a loop and is safe to retry elsewhere; any other
 * error is a request that was written and then lost, and is listed.
 *
 * Run from `tooling/conformance`: `node --import tsx src/fetch-loops.ts <url>` (for https, with
 * `NODE_EXTRA_CA_CERTS=fixtures/tls/cert.pem`).
 */

const LOOPS = 16;
const WARM_UP = 3;
const MAX_MS = 10_000;

export interface FetchLoopsResult {
  readonly ok: number;
  /** Answered after the suite said it sent the signal (a `SIGNALLED` line on stdin). */
  readonly okAfterSignal: number;
  readonly refused: number;
  readonly failures: readonly string[];
}

async function main(url: string): Promise<void> {
  const started = performance.now();
  let signalledAt: number | undefined;
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (data: string) => {
    if (data.includes("SIGNALLED")) signalledAt ??= performance.now();
  });
  const served = new Array<number>(LOOPS).fill(0);
  let warm = false;
  let ok = 0;
  let okAfterSignal = 0;
  let refused = 0;
  const failures: string[] = [];
  const since = (at: number): string => (signalledAt === undefined ? "before the signal" : `${Math.round(at - signalledAt)} ms from the signal`);

  const loop = async (index: number): Promise<void> => {
    while (performance.now() - started < MAX_MS) {
      const sentAt = performance.now();
      try {
        const response = await fetch(`${url}/`);
        const body = await response.text();
        if (response.status !== 200 || body !== "ok") failures.push(`loop ${index}: ${response.status} ${JSON.stringify(body)}`);
        ok += 1;
        if (signalledAt !== undefined) okAfterSignal += 1;
        served[index] = (served[index] ?? 0) + 1;
        if (!warm && served.every((n) => n >= WARM_UP)) {
          warm = true;
          console.log("WARM");
        }
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        if (cause?.code === "ECONNREFUSED") {
          refused += 1;
          return;
        }
        failures.push(`loop ${index}: request sent ${since(sentAt)} failed: ${cause?.code ?? ""} ${cause?.message ?? (error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, (_, index) => loop(index)));
  const result: FetchLoopsResult = { ok, okAfterSignal, refused, failures };
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

const url = process.argv[2];
if (url === undefined) throw new Error("usage: fetch-loops.ts <url>");
void main(url);
