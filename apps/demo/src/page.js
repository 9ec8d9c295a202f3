// The demo page's script (served as is, no build step). Everything it sees goes into `window.demo`, which the
// panels show and the browser test reads.

const READY_EVERY_MS = 500;
const WS_PING_EVERY_MS = 1000;
const RECONNECT_MS = 1000;

const demo = {
  ready: { status: null, text: "", pid: null, at: null, history: [] },
  sse: { state: "connecting", opens: 0, ids: [], pids: [], gaps: 0, replayed: 0, lastData: null, resumes: [], drains: [] },
  wire: { last: "", drain: null, retryMs: null },
  ws: { state: "connecting", opens: 0, lastFrame: null, echoes: 0, pids: [], closes: [] },
};
window.demo = demo;

const time = () => new Date().toISOString().slice(11, 23);
const badge = (text, tone) => ({ text, tone });
// "pid 1 → pid 2": each value once per run of equal ones, so a switch of instance stands out.
const runs = (values) => values.filter((value, i) => i === 0 || value !== values[i - 1]);
const readyLabel = (r) => (r.status === null ? "unreachable" : `${r.status}${r.pid === null ? "" : ` pid ${r.pid}`}`);

function render() {
  const r = demo.ready;
  const s = demo.sse;
  const ws = demo.ws;
  const last = s.ids.at(-1);
  const resume = s.resumes.at(-1);
  const drain = s.drains.at(-1);
  const close = ws.closes.at(-1);
  show("ready.badge", r.status === 200 ? badge("ready", "ok") : r.status === null ? badge("unreachable", "bad") : badge(`not ready (${r.status})`, "warn"));
  show("ready.text", r.status === null ? r.text : `${r.status} ${r.text}`);
  show("ready.pid", r.pid === null ? "–" : `pid ${r.pid}`);
  show("ready.at", r.at ?? "–");
  show("ready.history", r.history.length === 0 ? "–" : r.history.slice(-5).join(" → "));
  show("sse.badge", badge(s.state, s.state === "open" ? "ok" : s.state === "connecting" ? "warn" : "bad"));
  show("sse.lastId", last === undefined ? "–" : String(last));
  show("sse.lastData", s.lastData === null ? "–" : `tick ${s.lastData.tick} at ${s.lastData.at.slice(11, 23)}${s.lastData.replayed ? " (replayed)" : ""}`);
  show("sse.pid", s.pids.length === 0 ? "–" : runs(s.pids).map((pid) => `pid ${pid}`).join(" → "));
  show("sse.count", String(s.ids.length));
  show("sse.gaps", String(s.gaps));
  show("sse.replayed", String(s.replayed));
  show("sse.opens", String(s.opens));
  show("sse.resume", resume === undefined ? "–" : `Last-Event-ID ${resume.lastEventId} → pid ${resume.pid} sent ${resume.firstId} next`);
  show("sse.drain", drain === undefined ? "none yet" : `event "drain", data "${drain.data}" at ${drain.at}`);
  show("wire.last", demo.wire.last);
  show("wire.drain", demo.wire.drain ?? "none yet");
  show("ws.badge", badge(ws.state, ws.state === "open" ? "ok" : ws.state === "closed" ? "bad" : "warn"));
  show("ws.lastFrame", ws.lastFrame ?? "–");
  show("ws.echoes", String(ws.echoes));
  show("ws.opens", String(ws.opens));
  show("ws.pid", ws.pids.length === 0 ? "–" : runs(ws.pids).map((pid) => `pid ${pid}`).join(" → "));
  show("ws.close", close === undefined ? "none yet" : `${close.code} "${close.reason}" at ${close.at}`);
}

function show(field, value) {
  const element = document.querySelector(`[data-field="${field}"]`);
  if (typeof value === "string") element.textContent = value;
  else {
    element.textContent = value.text;
    element.className = `badge ${value.tone}`;
  }
}

// Readiness: 200 while serving, 503 from the signal on, nothing at all once the listener is closed.
async function pollReady() {
  try {
    const response = await fetch("/ready", { cache: "no-store" });
    Object.assign(demo.ready, { status: response.status, text: (await response.text()).trim(), pid: response.headers.get("x-demo-pid") });
  } catch {
    Object.assign(demo.ready, { status: null, text: "no answer (listener closed)", pid: null });
  }
  demo.ready.at = time();
  const label = readyLabel(demo.ready);
  if (demo.ready.history.at(-1) !== label) demo.ready.history.push(label);
  render();
  setTimeout(pollReady, READY_EVERY_MS);
}

// The ticker, as a browser app would use it: EventSource reconnects by itself and sends Last-Event-ID.
function openTicker() {
  const source = new EventSource("/events");
  let first = true;
  source.onopen = () => {
    demo.sse.state = "open";
    demo.sse.opens += 1;
    first = true;
    render();
  };
  source.onmessage = (event) => {
    const data = JSON.parse(event.data);
    const id = Number(event.lastEventId);
    const previous = demo.sse.ids.at(-1);
    if (previous !== undefined && id !== previous + 1) demo.sse.gaps += Math.max(1, id - previous - 1);
    demo.sse.ids.push(id);
    demo.sse.pids.push(data.pid);
    demo.sse.lastData = data;
    if (data.replayed) demo.sse.replayed += 1;
    if (first && data.resumedFrom !== null) demo.sse.resumes.push({ lastEventId: data.resumedFrom, pid: data.pid, firstId: id });
    first = false;
    render();
  };
  // drain's last frame: a named event (so onmessage never sees it) whose retry: tells the browser when to come back.
  source.addEventListener("drain", (event) => {
    demo.sse.drains.push({ data: event.data, at: time(), afterId: demo.sse.ids.at(-1) ?? null });
    render();
  });
  source.onerror = () => {
    demo.sse.state = ["connecting", "open", "closed"][source.readyState];
    render();
  };
}

// The same stream read with fetch, to show the bytes EventSource hides; reconnects the way EventSource does.
async function readWire(lastEventId) {
  let retryMs = RECONNECT_MS;
  try {
    const headers = lastEventId === undefined ? {} : { "last-event-id": lastEventId };
    const response = await fetch("/events", { headers, cache: "no-store" });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        lastEventId = /^id: ?(.*)$/m.exec(frame)?.[1] ?? lastEventId;
        const retry = /^retry: ?(\d+)$/m.exec(frame)?.[1];
        if (retry !== undefined) retryMs = Number(retry);
        if (frame.startsWith(":")) continue; // a keep-alive comment
        demo.wire.last = frame;
        if (/^event: ?drain$/m.test(frame)) Object.assign(demo.wire, { drain: frame, retryMs: Number(retry) });
        render();
      }
    }
  } catch {
    // Connection refused or cut: come back after the last retry: hint, like EventSource.
  }
  setTimeout(() => readWire(lastEventId), retryMs);
}

// WebSocket echo: a ping a second; after a close, a new socket once the server answers again.
let socket;
let pings = 0;
function openSocket() {
  socket = new WebSocket(`ws://${location.host}/ws`);
  let opened = false;
  demo.ws.state = "connecting";
  socket.onopen = () => {
    opened = true;
    demo.ws.state = "open";
    demo.ws.opens += 1;
    render();
  };
  socket.onmessage = (event) => {
    const data = JSON.parse(event.data);
    demo.ws.lastFrame = event.data;
    if (data.echo !== undefined) demo.ws.echoes += 1;
    demo.ws.pids.push(data.pid);
    render();
  };
  socket.onclose = (event) => {
    // Only a socket that was open has a close worth showing; a failed attempt is just "retrying".
    if (opened) demo.ws.closes.push({ code: event.code, reason: event.reason, at: time() });
    demo.ws.state = opened ? "closed" : "connect failed, retrying";
    render();
    setTimeout(openSocket, RECONNECT_MS);
  };
}
setInterval(() => {
  if (socket?.readyState === WebSocket.OPEN) socket.send(`ping ${++pings}`);
}, WS_PING_EVERY_MS);

render();
void pollReady();
openTicker();
void readWire(undefined);
openSocket();
