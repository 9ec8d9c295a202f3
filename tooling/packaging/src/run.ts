import { spawnSync } from "node:child_process";

/**
 * Run a command to completion and return its stdout (with `stderrToo`, stdout then stderr: Deno prints its reports
 * on stderr); a failure throws with everything it printed, so a failing install or lint says why in the test's own
 * error.
 *
 * @example
 * ```ts
 * run("npm", ["install", tarball], { cwd: project });
 * ```
 */
export function run(
  file: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly stderrToo?: boolean },
): string {
  const result = spawnSync(file, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const why = result.error?.message ?? (result.status === null ? `signal ${result.signal}` : `exit ${result.status}`);
    throw new Error(`${file} ${args.join(" ")} (in ${options.cwd}) failed (${why}):\n${result.stdout}\n${result.stderr}`);
  }
  return options.stderrToo === true ? result.stdout + result.stderr : result.stdout;
}

/**
 * The pnpm that runs this test (`npx -y pnpm@10 test` sets `npm_execpath`), else pnpm 10 through npx.
 *
 * @example
 * ```ts
 * const [file, ...args] = pnpm(["-r", "pack"]);
 * ```
 */
export function pnpm(args: readonly string[]): [string, ...string[]] {
  const execPath = process.env["npm_execpath"];
  if (execPath !== undefined && /pnpm/.test(execPath)) return [process.execPath, execPath, ...args];
  return ["npx", "-y", "pnpm@10", ...args];
}
