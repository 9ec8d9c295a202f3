/**
 * What `drain` exits with. Supervisors and scripts match on these numbers, so they never change meaning.
 *
 * @example
 * ```ts
 * import { EXIT } from "@drain/cli";
 * if (code === EXIT.forced) console.warn("the drain had to force connections closed");
 * ```
 */
export const EXIT = {
  /** Done: the server drained cleanly (and, with `--wait`, its process is gone). `status` answered. */
  ok: 0,
  /** Done, but not clean: something was forced at the deadline or a cleanup hook failed (see the report). */
  forced: 1,
  /** Bad command line: nothing was sent. */
  usage: 2,
  /** The server refused the request (401, 400, 403, 404, 405, 413, 429): nothing started. */
  refused: 3,
  /** No control endpoint there: no socket file, nothing listening, or permission denied. */
  unreachable: 4,
  /** `--wait-timeout` passed before the report arrived or before the process was gone. */
  timedOut: 5,
  /** The progress stream ended before the report (the server crashed or was killed mid-drain). */
  broken: 6,
  /** The answer was not the drain control protocol (wrong endpoint or an incompatible version). */
  protocol: 7,
  /**
   * `--socket` is not safe to trust: not a socket, someone else's, writable by others (or in a directory that is),
   * or the process listening there is not the pid it answered with.
   */
  untrusted: 8,
} as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
