/** How often the pid is probed. Cheap (one syscall), and short next to any drain budget. */
const POLL_MS = 50;

/**
 * Whether a process with this pid exists on this host (`kill(pid, 0)`: ESRCH means gone; EPERM means it exists
 * under another user).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Resolve `true` once `pid` is gone, or `false` when `signal` aborts first. Polls: there is no portable way to be
 * told when a process we did not start exits.
 *
 * @example
 * ```ts
 * const gone = await waitForExit(4321, AbortSignal.timeout(30_000));
 * ```
 */
export function waitForExit(pid: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!isAlive(pid)) finish(true);
      else if (signal.aborted) finish(false);
    };
    const finish = (gone: boolean): void => {
      clearInterval(timer);
      signal.removeEventListener("abort", check);
      resolve(gone);
    };
    const timer = setInterval(check, POLL_MS);
    signal.addEventListener("abort", check, { once: true });
    check();
  });
}
