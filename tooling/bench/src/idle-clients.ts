import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HolderMessage } from "./idle-holder.ts";

const HOLDER = fileURLToPath(new URL("./idle-holder.ts", import.meta.url));

export interface IdleClients {
  /** FIN times in ms after `since` (a `performance.now()` of this process), one per connection that got a FIN. */
  fins(since: number): Promise<{ readonly fins: number[]; readonly total: number }>;
  kill(): void;
}

/** Open `count` idle keep-alive connections to `port` from a separate process (see idle-holder.ts); resolves once all are idle. */
export function holdIdle(port: number, count: number): Promise<IdleClients> {
  const child = fork(HOLDER, [], { execArgv: ["--import", "tsx"], env: { ...process.env, PORT: String(port), COUNT: String(count) } });
  const messages: HolderMessage[] = [];
  const waiters = new Set<() => void>();
  child.on("message", (message: HolderMessage) => {
    messages.push(message);
    for (const wake of [...waiters]) wake();
  });
  const next = (type: HolderMessage["type"]): Promise<HolderMessage> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = messages.find((m) => m.type === type);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      child.once("exit", (code) => {
        if (waiters.delete(check)) reject(new Error(`the idle-connection holder exited (code ${code}) before "${type}"`));
      });
      check();
    });
  return next("ready").then(() => ({
    fins: async (since) => {
      const message = (await next("fins")) as Extract<HolderMessage, { type: "fins" }>;
      const origin = performance.timeOrigin + since;
      return { fins: message.fins.filter((t): t is number => t !== null).map((t) => t - origin), total: message.fins.length };
    },
    kill: () => {
      child.kill("SIGKILL");
    },
  }));
}
