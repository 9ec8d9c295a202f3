import type { Id } from "@drain/core";
import { formatPeer, requestDetails, type ActiveResources, type ForcedDetails } from "@drain/engine";
import type { CompletionWatcher } from "./completion.ts";

/**
 * What Bun tells about a forced request, at force time only. The adapter keeps a record only of responses it is
 * watching being written (completion.ts), so a request whose handler never returned (it hangs) is undescribed:
 * keeping every request by id would cost each one a map entry. For a watched one: method and path from the
 * Request, the peer from `server.requestIP`. Bytes sent: Bun counts none per response.
 *
 * @example
 * ```ts
 * describeRequest(watcher, 7); // { peer: "127.0.0.1:50412", method: "GET", path: "/download" }
 * ```
 */
export function describeRequest(watcher: CompletionWatcher, id: Id): ForcedDetails | undefined {
  const entry = watcher.find(id);
  if (entry === undefined) return undefined;
  let peer: string | undefined;
  try {
    const address = entry.server.requestIP(entry.request);
    if (address !== null) peer = formatPeer(address.address, address.port);
  } catch {
    // A stopped server may refuse the call: no peer then.
  }
  return { ...requestDetails(entry.request), ...(peer === undefined ? {} : { peer }) };
}

/**
 * Bun 1.4.5 cannot say what keeps its event loop alive: `process.getActiveResourcesInfo()` returns `[]` with a
 * ref'd timer, a server and sockets open, and `process._getActiveHandles()` is empty too (measured:
 * docs/runtime-facts.md). `undefined` says "cannot tell" rather than "nothing".
 */
export function activeResources(): ActiveResources | undefined {
  return undefined;
}
