/**
 * Tells whether `Deno.serve` takes a response's whole body the moment the handler returns it, so nothing of the
 * request is left in flight: `info.completed` settles right then (measured on Deno 2.9.6: for a body that is
 * `null`, a string, bytes or form parameters, Deno closes the request as it copies the body out; only a stream
 * body, Blob and FormData included, is sent later).
 *
 * Why drain asks: `info.completed` is made only when read, and reading it costs about 4 % of a hello-world
 * request by itself (`pnpm bench overhead`, the `completed-hook` anchor). While serving, drain reads it only for
 * responses that are still being sent after the handler returned.
 *
 * Deno has no public way to ask, so this reads the response's inner body the way Deno's own `Deno.serve` does
 * (the `response` slot of a `Response`, its `body.streamOrStatic`). It is checked once, on responses of each
 * shape, when the adapter starts: if the slot is missing or answers wrongly on any of them (another Deno, or a
 * `Response` that is not Deno's), it returns `undefined` and drain reads `info.completed` for every request, as
 * before: slower, never wrong.
 *
 * @example
 * ```ts
 * const sentOnReturn = sentOnReturnTest();
 * sentOnReturn?.(new Response("ok")); // true on Deno 2.9.6
 * ```
 */
export function sentOnReturnTest(): ((response: Response) => boolean) | undefined {
  const probe = new Response("probe");
  const slots = Object.getOwnPropertySymbols(probe).filter((symbol) => symbol.description === "response");
  if (slots.length !== 1) return undefined;
  const slot = slots[0] as symbol;
  const test = (response: Response): boolean => {
    const body = (response as unknown as Record<symbol, { body?: { streamOrStatic?: unknown } | null } | undefined>)[slot]?.body;
    // No body, or one Deno keeps aside until it copies it out (a string, lazily).
    if (body === null) return true;
    const source = body?.streamOrStatic;
    return typeof source === "object" && source !== null && !(source instanceof ReadableStream);
  };
  return agreesWithDeno(test) ? test : undefined;
}

/** The shapes the test must get right before drain relies on it: any doubt means reading `completed` for all. */
function agreesWithDeno(test: (response: Response) => boolean): boolean {
  try {
    const sentAtOnce = [
      new Response("text"),
      new Response(new Uint8Array(4)),
      new Response(null, { status: 204 }),
      new Response("text", { headers: { "x-probe": "1" } }),
      Response.json({ probe: true }),
      Response.redirect("http://localhost/", 302),
    ];
    const sentLater = [
      new Response(new ReadableStream()),
      new Response(new ReadableStream(), { headers: { "content-type": "text/event-stream" } }),
      new Response(new Blob(["blob"])),
    ];
    return sentAtOnce.every((response) => test(response)) && sentLater.every((response) => !test(response));
  } catch {
    return false;
  }
}
