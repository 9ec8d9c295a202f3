/** The parts of Bun the benchmark servers use (the package type-checks without Bun's declarations). */

export interface BunWebSocket {
  send(data: string | ArrayBuffer | Uint8Array): unknown;
  close(code?: number, reason?: string): void;
}

export interface BunServer {
  readonly port: number;
  upgrade(request: Request): boolean;
  stop(force?: boolean): Promise<void>;
  requestIP(request: Request): { address: string; port: number } | null;
  timeout(request: Request, seconds: number): void;
}

export interface BunApi {
  serve(options: object): BunServer;
}

/** The `Bun` global. */
export const bun: BunApi = (globalThis as unknown as { Bun: BunApi }).Bun;
