/** Small HTTP helpers for the example tests (a fresh connection each, so no keep-alive pool hides anything). */
import { get } from "node:http";
import { performance } from "node:perf_hooks";

export interface Finished {
  readonly status: number;
  readonly body: string;
  /** `performance.now()` when the body ended. */
  readonly at: number;
}

/** A request whose head has arrived (so the server is working on it); `done` resolves when its body ends. */
export function inFlight(url: string): Promise<{ readonly status: number; readonly done: Promise<Finished> }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.setEncoding("utf8");
      let body = "";
      res.on("data", (chunk: string) => (body += chunk));
      const done = new Promise<Finished>((resolveDone, rejectDone) => {
        res.once("end", () => resolveDone({ status: res.statusCode ?? 0, body, at: performance.now() }));
        res.once("error", rejectDone);
      });
      resolve({ status: res.statusCode ?? 0, done });
    }).once("error", reject);
  });
}

/** GET `url` and read the whole answer. */
export async function fetchStatus(url: string): Promise<number> {
  const { done } = await inFlight(url);
  return (await done).status;
}
