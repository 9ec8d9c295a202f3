import type { Http2ServerRequest, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import type { Connection } from "./connections.ts";
import type { AdapterContext } from "./context.ts";

/**
 * An HTTP/2 session began (`'session'`). Its socket was tracked as a provisional `http1` connection at accept
 * (the protocol is only known after ALPN or the preface); it now becomes an `http2` connection.
 */
export function onSession(context: AdapterContext, session: ServerHttp2Session): void {
  if (context.tracker() === undefined) return;
  // session.socket is a proxy, not the accepted socket (docs/runtime-facts.md, "Node: sockets, TLS sockets and HTTP/2 sessions"); its address finds the raw one.
  const socket = session.socket as Socket;
  // The session is attached before the core can answer the open (a session opened during the drain gets GOAWAY at once).
  const withSession = (opened: Connection): void => {
    opened.session = session;
    context.table.link(session, opened);
  };
  let connection = context.table.find(session) ?? context.table.find(socket);
  if (connection === undefined) {
    connection = context.open(socket, "http2", withSession);
    if (connection === undefined) return;
  } else if (connection.kind !== "http2") {
    context.reopen(connection, "http2", withSession);
  } else {
    withSession(connection);
  }
  const tracked = connection;
  context.listeners.on(session, "close", () => context.gone(tracked), { once: true });
}

/** A stream (one HTTP/2 request) opened. Counted here, not at the compat `'request'`, which needs a listener to exist. */
export function onStream(context: AdapterContext, stream: ServerHttp2Stream): void {
  const track = context.tracker();
  if (track === undefined) return;
  const connection = sessionConnection(context, stream.session as ServerHttp2Session | undefined);
  if (connection === undefined) return;
  track.bind(stream, connection.id);
  track.request(connection.id);
  context.listeners.on(
    stream,
    "close",
    () => {
      if (!connection.gone) context.tracker()?.responseEnd(connection.id, false);
    },
    { once: true },
  );
}

/** A compat-API request on an HTTP/2 stream: only bound, so `sse()` and `websocket()` find the connection. */
export function onCompatRequest(context: AdapterContext, request: Http2ServerRequest): void {
  const connection = sessionConnection(context, request.stream.session as ServerHttp2Session | undefined);
  if (connection !== undefined) context.tracker()?.bind(request, connection.id);
}

function sessionConnection(context: AdapterContext, session: ServerHttp2Session | undefined): Connection | undefined {
  if (session === undefined) return undefined;
  const known = context.table.find(session);
  if (known !== undefined) return known;
  onSession(context, session);
  return context.table.find(session);
}
