import { spawn } from "node:child_process";
import { systemdNotifyArgs, systemdNotifyError } from "@drain/engine";

/**
 * Send one sd_notify message on Node. Node cannot open an AF_UNIX datagram socket (`dgram` knows only udp4 and
 * udp6, measured on Node 20 and 24), so the message goes through the `systemd-notify` binary. Its messages come
 * from its own pid, which systemd accepts only with `NotifyAccess=all` in the unit (see the README).
 *
 * @example
 * ```ts
 * await notifySupervisor(process.env.NOTIFY_SOCKET, "STOPPING=1");
 * ```
 */
export function notifySupervisor(socket: string, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("systemd-notify", systemdNotifyArgs(message), { env: { ...process.env, NOTIFY_SOCKET: socket }, stdio: "ignore" });
    // Never what keeps a finished process alive.
    child.unref();
    child.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "ENOENT" ? systemdNotifyError() : error));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(systemdNotifyError(code))));
  });
}
