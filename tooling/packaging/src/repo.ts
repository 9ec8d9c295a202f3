import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const REPO_ROOT: string = fileURLToPath(new URL("../../../", import.meta.url));
