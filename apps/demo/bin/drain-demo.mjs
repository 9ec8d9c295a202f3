#!/usr/bin/env sh
":" //; if [ "${npm_config_user_agent#bun/}" != "${npm_config_user_agent:-}" ] && command -v bun >/dev/null 2>&1; then exec bun "$0" "$@"; else exec node "$0" "$@"; fi
// The `drain-demo` bin: `npx @drain/demo`, `bunx @drain/demo` and `deno run -A npm:@drain/demo` each start the demo
// on the runtime that runs them. The two lines above are both shell and JavaScript: the shell runs them (npx and
// bunx honour the shebang) and replaces itself with Bun when bunx started it (its user agent starts with "bun/"), else
// with Node, so the demo is the one process a supervisor signals. Deno loads the file as JavaScript directly.
const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
await import(new URL(`../dist/${runtime}.js`, import.meta.url).href);
