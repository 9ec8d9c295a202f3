// A node:http server with drain attached. Open /events in a browser, press Ctrl+C, and watch the stream get
// its last frame (event "drain" with a retry: hint) while the server exits at once with a report on stderr.
import { createServer } from "node:http";
import { drain } from "@drain/node";

const port = Number(process.env["PORT"] ?? 3000);

const page = `<!doctype html><meta charset="utf-8"><title>drain example</title>
<h1>drain example</h1><p>Press Ctrl+C in the terminal and watch this stream end cleanly.</p><pre id="log"></pre>
<script>
  const log = (line) => (document.getElementById("log").textContent += line + "\\n");
  const events = new EventSource("/events");
  events.onmessage = (e) => log("tick " + e.data + " (id " + e.lastEventId + ")");
  events.addEventListener("drain", (e) => log("last frame: " + e.data + " — the browser reconnects after retry:"));
  events.onerror = () => log("connection state: " + ["connecting", "open", "closed"][events.readyState]);
</script>`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/ready") return writeWeb(res, d.readiness());
  if (url.pathname === "/live") return writeWeb(res, d.liveness());
  if (url.pathname === "/events") {
    void d.sse(req, res, (stream) => {
      let n = Number(stream.lastEventId ?? 0);
      const timer = setInterval(() => stream.send({ id: String(++n), data: String(n) }), 1_000);
      stream.signal.addEventListener("abort", () => clearInterval(timer));
    });
    return;
  }
  if (url.pathname === "/slow") {
    // Shows an in-flight request finishing during the drain, with Connection: close.
    setTimeout(() => res.end("slow response done\n"), 3_000);
    return;
  }
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.end(page);
});

const d = drain(server, { timeoutMs: 10_000 });
d.onShutdown("say goodbye", () => console.error("example: cleanup hook ran"), { timeoutMs: 1_000 });

server.listen(port, "127.0.0.1", () => {
  console.error(`example: listening on http://127.0.0.1:${port}  (/, /events, /slow, /ready, /live) — Ctrl+C to drain`);
});

function writeWeb(res: import("node:http").ServerResponse, response: Response): void {
  res.statusCode = response.status;
  response.headers.forEach((value, key) => res.setHeader(key, value));
  void response.text().then((body) => res.end(body));
}
