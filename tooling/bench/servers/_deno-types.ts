/** The parts of the `Deno` global the benchmark servers use (the package type-checks without Deno's declarations). */

export interface DenoServer {
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

export interface DenoApi {
  readonly env: { get(key: string): string | undefined };
  upgradeWebSocket(request: Request): { socket: WebSocket; response: Response };
  serve(options: object): DenoServer;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code?: number): never;
}

/** The `Deno` global. */
export const deno: DenoApi = (globalThis as unknown as { Deno: DenoApi }).Deno;
