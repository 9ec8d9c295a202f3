import { systemdNotifyArgs, systemdNotifyError } from "@drain/engine";

/** The parts of `Deno` this uses (typed here so the package type-checks without Deno's declarations). */
interface DenoNotifyApi {
  readonly pid: number;
  /** Only present with `--unstable-net`. */
  listenDatagram?(options: { transport: "unixpacket"; path: string }): {
    send(data: Uint8Array, to: { transport: "unixpacket"; path: string }): Promise<number>;
    close(): void;
  };
  Command: new (command: string, options: { args: string[]; env: Record<string, string>; stdin: "null"; stdout: "null"; stderr: "null" }) => {
    spawn(): { readonly status: Promise<{ readonly code: number }>; unref(): void };
  };
}

/**
 * Send one sd_notify message on Deno. With `--unstable-net` it is sent from this process itself over an AF_UNIX
 * datagram socket (`Deno.listenDatagram` with transport `unixpacket`, bound to an abstract address), which systemd
 * accepts with the default `NotifyAccess=main`. Without that flag it goes through the `systemd-notify` binary
 * (`--allow-run=systemd-notify`), whose messages systemd accepts only with `NotifyAccess=all`.
 *
 * @example
 * ```ts
 * await notifySupervisor(Deno.env.get("NOTIFY_SOCKET")!, "STOPPING=1");
 * ```
 */
export async function notifySupervisor(socket: string, message: string): Promise<void> {
  const deno = (globalThis as unknown as { Deno: DenoNotifyApi }).Deno;
  if (typeof deno.listenDatagram === "function") {
    // systemd writes an abstract socket as "@name"; the kernel wants a leading NUL byte.
    const target = socket.startsWith("@") ? `\0${socket.slice(1)}` : socket;
    const local = deno.listenDatagram({ transport: "unixpacket", path: `\0drain-notify-${deno.pid}-${Math.random().toString(36).slice(2)}` });
    try {
      await local.send(new TextEncoder().encode(message), { transport: "unixpacket", path: target });
    } finally {
      local.close();
    }
    return;
  }
  let child: ReturnType<InstanceType<DenoNotifyApi["Command"]>["spawn"]>;
  try {
    child = new deno.Command("systemd-notify", { args: systemdNotifyArgs(message), env: { NOTIFY_SOCKET: socket }, stdin: "null", stdout: "null", stderr: "null" }).spawn();
  } catch (error) {
    throw new Error(
      `systemd-notify could not run (${error instanceof Error ? error.message : String(error)}); run Deno with --unstable-net to notify directly, or allow --allow-run=systemd-notify with NotifyAccess=all.`,
    );
  }
  // Never what keeps a finished process alive.
  child.unref();
  const { code } = await child.status;
  if (code !== 0) throw systemdNotifyError(code);
}
