/**
 * HTTP/1.1 connection cases: idle and preconnected connections, a request in flight, two pipelined requests in
 * flight, the listener during the drain, a keep-alive connection inside its grace, and 32 busy keep-alive connections.
 */
import { expect, it } from "vitest";
import { connect, NoResponseError, tryConnect, type RawConnection } from "../clients.ts";
import type { Target } from "../targets.ts";
import { barrier, BASE_OPTIONS, later, PROMPT_MS, rejection, start } from "./_support.ts";

async function open(url: string): Promise<RawConnection> {
  const connection = await connect(url);
  later(() => connection.destroy());
  return connection;
}

export function connectionCases(target: Target): void {
  it("closes an idle keep-alive connection and a preconnected one at once, and exits well before the deadline", async () => {
    const fixture = await start(target);
    const preconnected = await open(fixture.url);
    const idle = await open(fixture.url);
    // Also the barrier: this round trip was accepted after the preconnected connection.
    const first = await idle.request("/");
    expect(first.status).toBe(200);
    expect(first.body).toBe("ok");
    expect(first.connectionClose).toBe(false);

    const signalledAt = fixture.signal("SIGTERM");
    const [idleEnd, exit] = await Promise.all([idle.ended, fixture.exit]);
    expect(idleEnd.kind).toBe("FIN");
    expect(idleEnd.at - signalledAt).toBeLessThan(PROMPT_MS);
    expect(exit.code).toBe(0);
    expect(exit.msSinceSignal).toBeLessThan(PROMPT_MS);
    expect(fixture.report().clean).toBe(true);

    if (target.gaps.preconnect === undefined) {
      const preEnd = await preconnected.ended;
      expect(preEnd.kind).toBe("FIN");
      expect(preEnd.at - signalledAt).toBeLessThan(PROMPT_MS);
    } else {
      // Gap (see target.gaps.preconnect): the server never saw it, so nothing closed it in order. What the
      // client sees: no FIN before the server is gone, and a request sent now gets no response.
      expect(preconnected.end()?.kind).not.toBe("FIN");
      preconnected.send("/");
      const error = await rejection(preconnected.readResponse(PROMPT_MS));
      expect(error).toBeInstanceOf(NoResponseError);
      expect((error as NoResponseError).end?.kind).toBe("RST");
    }
  });

  it("lets a 2 s request in flight at the signal finish with Connection: close, then FIN, and exits right after it", async () => {
    const fixture = await start(target);
    const connection = await open(fixture.url);
    const sentAt = performance.now();
    connection.send("/slow?ms=2000");
    await barrier(fixture);

    fixture.signal("SIGTERM");
    const response = await connection.readResponse(10_000);
    expect(response.status).toBe(200);
    expect(response.body).toBe("slow-done");
    expect(response.connectionClose).toBe(true);
    expect(response.at - sentAt).toBeGreaterThanOrEqual(1900);
    const end = await connection.ended;
    expect(end.kind).toBe("FIN");
    expect(end.at - response.at).toBeLessThan(PROMPT_MS);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.at - response.at).toBeLessThan(PROMPT_MS);
    expect(fixture.report().clean).toBe(true);
  });

  it("answers both pipelined requests in flight at the signal: Connection: close on the last only, then FIN", async () => {
    const fixture = await start(target);
    const connection = await open(fixture.url);
    connection.pipeline(["/slow?ms=1500", "/slow?ms=1500"]);
    // Both heads arrive in one read; the barrier shows the server read them before the signal.
    await barrier(fixture);

    const signalledAt = fixture.signal("SIGTERM");
    if (target.gaps.pipelinedBehindPending !== undefined) {
      // Gap (see target.gaps.pipelinedBehindPending): the runtime closed the connection when it parsed the second
      // head, before the drain and with nothing written.
      const error = await rejection(connection.readResponse());
      expect(error).toBeInstanceOf(NoResponseError);
      expect((error as NoResponseError).end?.kind).toBe("FIN");
      expect(connection.buffered().toString("latin1")).toBe("");
    } else if (target.gaps.pipelinedOneAtATime !== undefined) {
      // Gap (see target.gaps.pipelinedOneAtATime): the first is answered, saying close, and the connection ends
      // with FIN before the runtime reads the second.
      const first = await connection.readResponse();
      expect(first.status).toBe(200);
      expect(first.body).toBe("slow-done");
      expect(first.connectionClose).toBe(true);
      const error = await rejection(connection.readResponse());
      expect(error).toBeInstanceOf(NoResponseError);
      expect((error as NoResponseError).end?.kind).toBe("FIN");
      expect(connection.buffered().toString("latin1")).toBe("");
    } else {
      const first = await connection.readResponse();
      const last = await connection.readResponse();
      for (const response of [first, last]) {
        expect(response.status).toBe(200);
        expect(response.body).toBe("slow-done");
        expect(response.at).toBeGreaterThan(signalledAt);
      }
      // A server ends the connection after a response that says close: on the first, the second would be dropped.
      expect(first.connectionClose).toBe(false);
      expect(last.connectionClose).toBe(true);
      const end = await connection.ended;
      expect(end.kind).toBe("FIN");
      expect(end.at - last.at).toBeLessThan(PROMPT_MS);
      expect((await fixture.exit).at - last.at).toBeLessThan(PROMPT_MS);
      // Both handlers started before the signal: both were in flight at the drain, and it calls itself clean.
      expect(fixture.report()).toMatchObject({ clean: true, requestsDuringShutdown: 0 });
    }
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.msSinceSignal).toBeLessThan(BASE_OPTIONS.timeoutMs);
  });

  it("refuses new connections during the drain and answers a keep-alive connection inside its grace with Connection: close", async () => {
    const keepAliveGraceMs = 1000;
    const fixture = await start(target, { options: { keepAliveGraceMs } });
    const slow = await open(fixture.url);
    slow.send("/slow?ms=2000");
    const watcher = await open(fixture.url);
    watcher.send("/signal");
    // Stays idle from before the signal on: its FIN shows when a runtime without per-connection close stopped.
    const quiet = await open(fixture.url);
    expect((await quiet.request("/")).status).toBe(200);
    const old = await open(fixture.url);
    // The barrier for the requests above, and the response that starts the keep-alive grace.
    expect((await old.request("/")).status).toBe(200);

    const signalledAt = fixture.signal("SIGTERM");
    const aborted = await watcher.readResponse();
    expect(aborted.body).toBe("aborted");

    let servedInGrace: RawConnection | undefined;
    if (target.gaps.listenerAfterGrace === undefined) {
      // The listener closes at the first quiet moment once the connections already waiting in the accept backlog
      // are taken (connections in that window are served like any other); after that, refused.
      await fixture.waitForLine("LISTENER closed");
      const fresh = await tryConnect(fixture.url);
      fresh.connection?.destroy();
      expect(fresh.error).toBe("ECONNREFUSED");
    } else {
      // Gap (see target.gaps.listenerAfterGrace): during the grace a new connection is still served, with
      // Connection: close, and closed after its response.
      const fresh = await open(fixture.url);
      const served = await fresh.request("/");
      expect(served.status).toBe(200);
      expect(served.connectionClose).toBe(true);
      servedInGrace = fresh;
    }

    const again = await old.request("/");
    expect(again.status).toBe(200);
    expect(again.connectionClose).toBe(true);
    expect((await old.ended).kind).toBe("FIN");

    if (target.gaps.listenerAfterGrace !== undefined) {
      // The runtime's stop closed the quiet connection and the listener together, once the grace was over.
      const stopped = await quiet.ended;
      expect(stopped.kind).toBe("FIN");
      expect(stopped.at - signalledAt).toBeGreaterThanOrEqual(keepAliveGraceMs - 50);
      const late = await tryConnect(fixture.url);
      late.connection?.destroy();
      expect(late.error).toBe("ECONNREFUSED");
      // Closed after its response (Deno: only once it stopped; it honours Connection: close only while stopping).
      expect((await servedInGrace?.ended)?.kind).toBe("FIN");
    }

    const slowResponse = await slow.readResponse();
    expect(slowResponse.status).toBe(200);
    expect(slowResponse.connectionClose).toBe(true);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.at - slowResponse.at).toBeLessThan(PROMPT_MS);
  });

  it("loses no request on 32 busy keep-alive connections across the signal", async () => {
    // Every connection has been served a few times: the race is with clients writing their next request.
    await hammerAcrossTheSignal(3);
  });

  it("loses no request on 32 fresh connections whose first request is on its way at the signal", async () => {
    // The signal comes right after each connection wrote its first request: the server may not have read it yet,
    // so a connection that looks never used must not be closed under its client.
    await hammerAcrossTheSignal(0);
  });

  async function hammerAcrossTheSignal(WARM_UP: number): Promise<void> {
    const fixture = await start(target, { options: { keepAliveGraceMs: 1000 } });
    const connections = await Promise.all(Array.from({ length: 32 }, () => open(fixture.url)));
    const served = connections.map(() => 0);
    let reached: () => void = () => {};
    const warmedUp = new Promise<void>((resolve) => (reached = resolve));
    if (WARM_UP === 0) reached();
    const failures: string[] = [];
    let afterSignal = 0;
    let signalledAt: number | undefined;

    const hammer = async (connection: RawConnection, index: number): Promise<void> => {
      for (;;) {
        const sentAt = performance.now();
        let response;
        try {
          response = await connection.request("/");
        } catch (error) {
          failures.push(
            `connection ${index} (${served[index]} served): request sent at ${Math.round(sentAt - (signalledAt ?? sentAt))} ms from the signal got no response: ${(error as Error).message}`,
          );
          return;
        }
        if (response.status !== 200) failures.push(`connection ${index}: status ${response.status}`);
        served[index] = (served[index] ?? 0) + 1;
        if (signalledAt !== undefined) afterSignal += 1;
        if (served.every((n) => n >= WARM_UP)) reached();
        if (response.connectionClose) {
          // Closed by the server after a Connection: close response: not a failure, if it is an orderly close.
          const end = await connection.ended;
          if (end.kind !== "FIN") failures.push(`connection ${index}: ${end.kind} (${end.error}) after Connection: close`);
          return;
        }
      }
    };
    const loops = connections.map((connection, index) => hammer(connection, index));
    await warmedUp;
    signalledAt = fixture.signal("SIGTERM");
    await Promise.all(loops);
    const exit = await fixture.exit;

    if (target.gaps.keepAliveRace === undefined) {
      expect(failures).toEqual([]);
      // The connections kept being served after the signal (inside their grace), each last one with Connection: close.
      expect(afterSignal).toBeGreaterThan(0);
    } else {
      // Gap (see target.gaps.keepAliveRace): at most the one request racing the close fails on each connection.
      expect(failures.length).toBeLessThanOrEqual(connections.length);
    }
    expect(exit.code).toBe(0);
    expect(exit.msSinceSignal).toBeLessThan(PROMPT_MS);
  }
}
