/** Where the CLI prints. `run()` takes one so tests (and programs embedding the CLI) can capture every line. */
export interface Io {
  /** Results and progress, one line at a time. */
  readonly out: (line: string) => void;
  /** Errors and warnings, one line at a time. */
  readonly err: (line: string) => void;
}

/** Lines straight to the process's stdout and stderr. */
export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
