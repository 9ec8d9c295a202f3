import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";
import type { Target } from "./args.ts";
import { cliError } from "./errors.ts";
import type { Io } from "./io.ts";

/** Whether the pid a control endpoint claims is the process listening on its socket. */
export type OwnerCheck =
  | { readonly result: "match" }
  /** Another process (`holders`) listens there: whatever answered, it is not the pid it claims to be. */
  | { readonly result: "mismatch"; readonly holders: readonly number[] }
  /** The platform cannot tell (no `/proc`, another namespace, another user's process): `why` says which. */
  | { readonly result: "unknown"; readonly why: string };

/** The parts of `/proc` the check reads; the real one by default, a fake in tests. */
export interface ProcView {
  readFile(path: string): string;
  readdir(path: string): string[];
  readlink(path: string): string;
}

const realProc: ProcView = {
  readFile: (path) => readFileSync(path, "utf8"),
  readdir: (path) => readdirSync(path),
  readlink: (path) => readlinkSync(path),
};

/**
 * Tell whether `pid` holds a socket bound to `path`, the way `ss -xlp` does: `/proc/net/unix` names the inodes of
 * the sockets bound to the path (the listening one and the connections it accepted), and `/proc/<pid>/fd` links
 * to `socket:[inode]` for each socket a process holds. When `pid` holds none of them, the processes that do are
 * looked for, so a listener that invents a pid (or names one that is gone) is caught; only when no holder can be
 * seen at all (another user's process, another PID namespace, no `/proc`) is the answer `unknown`.
 *
 * @example
 * ```ts
 * const check = checkSocketOwner("/run/app/control.sock", status.pid);
 * if (check.result === "mismatch") throw untrusted(…);
 * ```
 */
export function checkSocketOwner(path: string, pid: number, proc: ProcView = realProc): OwnerCheck {
  let table: string;
  try {
    table = proc.readFile("/proc/net/unix");
  } catch {
    return { result: "unknown", why: "this platform has no /proc/net/unix" };
  }
  const paths = new Set([path, resolve(path)]);
  const inodes = new Set<string>();
  for (const line of table.split("\n").slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path; the path (if any) is the rest of the line.
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 8 && paths.has(fields.slice(7).join(" "))) inodes.add(fields[6] as string);
  }
  if (inodes.size === 0) return { result: "unknown", why: `no socket bound to ${path} is listed in /proc/net/unix (the server is in another network namespace?)` };
  const holds = (candidate: string): boolean | undefined => {
    let fds: string[];
    try {
      fds = proc.readdir(`/proc/${candidate}/fd`);
    } catch {
      return undefined;
    }
    return fds.some((fd) => {
      try {
        const link = proc.readlink(`/proc/${candidate}/fd/${fd}`);
        return link.startsWith("socket:[") && inodes.has(link.slice(8, -1));
      } catch {
        return false;
      }
    });
  };
  if (holds(String(pid)) === true) return { result: "match" };
  const holders: number[] = [];
  let pids: string[] = [];
  try {
    pids = proc.readdir("/proc").filter((name) => /^\d+$/.test(name) && name !== String(pid));
  } catch {
    // No process list: nothing more to learn.
  }
  for (const candidate of pids) if (holds(candidate) === true) holders.push(Number(candidate));
  if (holders.length > 0) return { result: "mismatch", holders };
  return { result: "unknown", why: `the process listening on ${path} is not visible here (another user's, or another PID namespace)` };
}

/**
 * Check the pid an endpoint answered with against the process listening on `--socket` (a TCP `--url` has no
 * owner to compare): a mismatch throws `ERR_DRAIN_CLI_UNTRUSTED`, so an impostor's invented pid is never waited
 * for or reported gone; where the platform cannot tell, one warning says so and the answer is trusted.
 *
 * @example
 * ```ts
 * verifyPid(invocation.target, accepted.pid, io);
 * ```
 */
export function verifyPid(target: Target, pid: number, io: Io, proc: ProcView = realProc): void {
  if (!("socket" in target)) return;
  const check = checkSocketOwner(target.socket, pid, proc);
  if (check.result === "match") return;
  if (check.result === "unknown") {
    io.err(`drain: warning: cannot tell which process listens on ${target.socket} (${check.why}); trusting that it is pid ${pid}.`);
    return;
  }
  throw cliError(
    "ERR_DRAIN_CLI_UNTRUSTED",
    `${target.socket} is served by pid ${check.holders.join(", ")}, but the answer says pid ${pid}: not trusting it (an impostor listening at that path?). Check who created the socket.`,
  );
}
