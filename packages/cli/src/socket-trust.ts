import { lstatSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { cliError } from "./errors.ts";

/** What the checks read of the system; the process's own by default, a fake in tests. */
export interface TrustSystem {
  /** The caller's uid; `undefined` where the platform has none (Windows): nothing to compare then. */
  uid(): number | undefined;
  lstat(path: string): Pick<Stats, "uid" | "mode" | "isSocket" | "isSymbolicLink">;
  stat(path: string): Pick<Stats, "uid" | "mode" | "isDirectory">;
}

const processSystem: TrustSystem = {
  uid: () => process.getuid?.(),
  lstat: (path) => lstatSync(path),
  stat: (path) => statSync(path),
};

const GROUP_OR_OTHER_WRITE = 0o022;
/** A sticky directory (/tmp): others may add files, but never rename or remove one of yours. */
const STICKY = 0o1000;

/**
 * Refuse a control socket that someone other than the caller (or root) could have put there, before a token is
 * sent to it: the socket must be a socket (not a symlink), owned by the caller's uid or root, and not writable by
 * group or others; its directory must be owned by the caller or root and not writable by group or others, so
 * nobody else can have replaced the socket. A sticky directory such as /tmp passes: there nobody can rename or
 * remove another user's socket, and one they made themselves fails the owner check. Throws `ERR_DRAIN_CLI_UNTRUSTED` saying what to fix. A path that does
 * not exist is left for the connection to report (no socket there).
 *
 * @example
 * ```ts
 * checkSocketTrust("/run/app/control.sock"); // throws when /run/app is world-writable
 * ```
 */
export function checkSocketTrust(path: string, system: TrustSystem = processSystem): void {
  const uid = system.uid();
  if (uid === undefined) return;
  let socket: ReturnType<TrustSystem["lstat"]>;
  try {
    socket = system.lstat(path);
  } catch {
    return; // Nothing there (or not ours to see): connecting says so, with the right exit code.
  }
  const trusted = (owner: number): boolean => owner === uid || owner === 0;
  if (socket.isSymbolicLink()) throw untrusted(`${path} is a symlink; pass the socket's own path, so nobody can point drain elsewhere.`);
  if (!socket.isSocket()) throw untrusted(`${path} is not a socket: is --socket the control endpoint's path?`);
  if (!trusted(socket.uid)) throw untrusted(`${path} belongs to uid ${socket.uid}, not to you (uid ${uid}) or root: run drain as the service's user.`);
  if ((socket.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    throw untrusted(`${path} is writable by ${describeWriters(socket.mode)} (mode ${octal(socket.mode)}): the control socket must be 0600; is it the drain endpoint?`);
  }
  const dir = dirname(resolve(path));
  const parent = system.stat(dir);
  if (!trusted(parent.uid)) throw untrusted(`${dir} belongs to uid ${parent.uid}, not to you (uid ${uid}) or root: someone else could replace the socket in it. Keep the socket in a directory of the service's own (systemd: RuntimeDirectory=).`);
  if ((parent.mode & GROUP_OR_OTHER_WRITE) !== 0 && (parent.mode & STICKY) === 0) {
    throw untrusted(`${dir} is writable by ${describeWriters(parent.mode)} (mode ${octal(parent.mode)}): anyone who can write there could replace the socket. Keep it in a directory only the service can write (systemd: RuntimeDirectory= with RuntimeDirectoryMode=0700).`);
  }
}

function describeWriters(mode: number): string {
  return (mode & 0o002) !== 0 ? "everyone" : "its group";
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function untrusted(message: string): Error {
  return cliError("ERR_DRAIN_CLI_UNTRUSTED", `not trusting --socket, nothing was sent: ${message}`);
}
