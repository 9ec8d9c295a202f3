/**
 * The demo's own lines on stderr (drain's logger adds its progress lines and the final report). The browser test
 * waits on these two: "listening" to open the page, "listener closed" to start the next instance on the same port.
 */
import type { DemoConfig } from "./config.ts";

/** What the demo needs from drain's engine: its `listener-closed` event. */
export interface ListenerEvents {
  on(event: "listener-closed", listener: () => void): () => void;
}

/**
 * Say where the demo listens, and when its port is free again.
 *
 * @example
 * ```ts
 * announce(d, config, "bun", process.pid);
 * ```
 */
export function announce(engine: ListenerEvents, config: DemoConfig, runtime: string, pid: number): void {
  console.error(`demo: ${runtime} pid ${pid} listening on http://${config.hostname}:${config.port}/ (Ctrl+C drains)`);
  engine.on("listener-closed", () => console.error(`demo: listener closed, port ${config.port} is free for the next instance`));
}
