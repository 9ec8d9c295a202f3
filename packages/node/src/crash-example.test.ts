// The root README's "Crashes" example, run as a child process: a request, then an uncaught error from a timer.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the README's crash example: the hook gets the error, the process exits 70 after the drain", async () => {
  const script = fileURLToPath(new URL("./testing/crash-example.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening .*"port":(\d+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`exited before listening: ${stderr}`)));
  });
  const response = await fetch(`http://127.0.0.1:${port}/crash`);
  expect(await response.text()).toBe("hello");
  const [code] = await exited;
  expect(code).toBe(70);
  expect(stdout).toContain("reported Error: boom");
  expect(stderr).toContain("drain: uncaughtException: Error: boom");
}, 20_000);
