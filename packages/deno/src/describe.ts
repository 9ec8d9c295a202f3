import process from "node:process";
import type { Id } from "@drain/core";
import { activeResourcesOf, formatPeer, requestDetails, type ActiveResources, type ForcedDetails, type Tracker } from "@drain/engine";
import type { ServeHandlerInfo } from "./deno-api.ts";
import type { DenoState } from "./shutdown-state.ts";

/**
 * What Deno tells about a forced request, at force time only: the in-flight requests the adapter keeps anyway are
 * matched to `id` (every request the adapter follows past its handler's return is bound to its id), and their
 * handler's `info.remoteAddr` gives the peer. Bytes sent are not known: Deno counts none per response, and counting
 * them would mean wrapping every body.
 *
 * @example
 * ```ts
 * describeRequest(state, track, 7); // { peer: "127.0.0.1:50412", method: "GET", path: "/hang" }
 * ```
 */
export function describeRequest(state: DenoState, track: Tracker | undefined, id: Id, known?: object): ForcedDetails | undefined {
  // The request an SSE stream or WebSocket was opened with finds its record directly, bound to an id or not.
  if (known instanceof Request && state.inflight.has(known)) return details(known, state.inflight.get(known));
  if (track === undefined) return undefined;
  for (const [request, info] of state.inflight) {
    if (track.idOf(request) === id) return details(request, info);
  }
  return undefined;
}

function details(request: Request, info: ServeHandlerInfo | undefined): ForcedDetails {
  // Read here, not per request: `remoteAddr` is a getter that asks Deno for the address.
  const address = info?.remoteAddr;
  const peer = formatPeer(address?.hostname, address?.port);
  return { ...requestDetails(request), ...(peer === undefined ? {} : { peer }) };
}

/** What Deno 2.9.6's `process.getActiveResourcesInfo()` leaves out (measured: docs/runtime-facts.md). */
export const DENO_UNSEEN = "Deno.serve, Deno.listen and Deno.connect sockets and fetch, which Deno does not list";

/** What keeps Deno's event loop alive, as far as its Node compatibility layer knows. */
export function activeResources(): ActiveResources | undefined {
  return activeResourcesOf(process, DENO_UNSEEN);
}
