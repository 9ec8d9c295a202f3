/** What {@link pipeWebBody} writes to: a `node:http` or `node:http2` server response (any runtime's `node:http`). */
export interface BodySink {
  write(chunk: Uint8Array): boolean;
  end(callback?: () => void): unknown;
  destroy(): unknown;
  once(event: "close", listener: () => void): unknown;
  on(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * Stream a web body (or none) into a response whose head is written, with back-pressure, then end it. Resolves when
 * the body is out or the client went away (the body is then cancelled); never rejects. A body that errors (an SSE
 * stream destroyed at the deadline) destroys the response, so the client sees the cut.
 *
 * @example
 * ```ts
 * res.writeHead(response.status, headers);
 * await pipeWebBody(res, response.body);
 * ```
 */
export async function pipeWebBody(res: BodySink, body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (body !== null) {
    const reader = body.getReader();
    let gone = false;
    const onClose = (): void => {
      gone = true;
      reader.cancel().catch(() => undefined);
    };
    res.once("close", onClose);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || gone) break;
        if (!res.write(value)) await untilDrained(res);
      }
    } catch {
      // No error argument: an 'error' event on the socket or stream would need a listener the app may not have.
      res.destroy();
      return;
    } finally {
      res.off("close", onClose);
      reader.releaseLock();
    }
    if (gone) return;
  }
  // Resolves on finish, or on close when the socket went away first.
  await new Promise<void>((resolve) => {
    res.once("close", resolve);
    res.end(() => resolve());
  });
}

/** Resolve when the response can take more bytes, or has closed. */
function untilDrained(res: BodySink): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
