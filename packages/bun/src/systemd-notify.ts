import { systemdNotifyArgs, systemdNotifyError } from "@drain/engine";

/** The parts of `Bun.spawn` this uses (typed here so the package needs no `@types/bun`). */
interface BunSpawnApi {
  spawn(command: string[], options: { env: Record<string, string | undefined>; stdio: ["ignore", "ignore", "ignore"] }): { readonly exited: Promise<number>; unref(): void };
}

/**
 * Send one sd_notify message on Bun. Bun has no AF_UNIX datagram socket (`Bun.udpSocket` ignores a `unix` path
 * and binds UDP, `node:dgram` knows only udp4/udp6; measured on Bun 1.4.5), so the message goes through the
 * `systemd-notify` binary, whose messages systemd accepts only with `NotifyAccess=all` in the unit.
 *
 * @example
 * ```ts
 * await notifySupervisor(process.env.NOTIFY_SOCKET, "STOPPING=1");
 * ```
 */
export async function notifySupervisor(socket: string, message: string): Promise<void> {
  const scope = globalThis as unknown as { Bun: BunSpawnApi; process: { env: Record<string, string | undefined> } };
  let child: ReturnType<BunSpawnApi["spawn"]>;
  try {
    child = scope.Bun.spawn(["systemd-notify", ...systemdNotifyArgs(message)], { env: { ...scope.process.env, NOTIFY_SOCKET: socket }, stdio: ["ignore", "ignore", "ignore"] });
  } catch {
    throw systemdNotifyError();
  }
  // Never what keeps a finished process alive.
  child.unref();
  const code = await child.exited;
  if (code !== 0) throw systemdNotifyError(code);
}
