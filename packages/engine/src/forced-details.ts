import { forcedItems, type ForcedItem, type Id, type Report, type State } from "@drain/core";
import type { StreamDetails } from "./sse.ts";
import type { ForcedDetails } from "./types.ts";

/** Who can describe an id: the SSE and WebSocket registries for theirs, the adapter for connections and requests. */
export interface DetailSources {
  readonly state: State;
  describeStream(id: Id): StreamDetails | undefined;
  describeConnection(id: Id, request?: object): ForcedDetails | undefined;
  reportError(error: unknown, context: string): void;
}

/** The forced items' details, gathered at force time and added to the report. */
export interface ForcedDetailsBook {
  /** Ask about every item the core forced since the last call. Call it before the force is carried out. */
  gather(): void;
  /** The report with each forced item's details merged in. */
  complete(report: Report): Report;
}

/**
 * Gather what can be told about forced items while their owners still hold them: at the first `destroy` or
 * `force-remaining` of a batch, before any is carried out (a destroyed socket may no longer know its peer). Nothing
 * runs while serving; at most `FORCED_ITEMS_LIMIT` items are asked about.
 *
 * @example
 * ```ts
 * const details = createForcedDetails({ state, describeStream, describeConnection, reportError });
 * details.gather(); // on "destroy" / "force-remaining", before executing it
 * finish(details.complete(report));
 * ```
 */
export function createForcedDetails(sources: DetailSources): ForcedDetailsBook {
  const found = new Map<Id, ForcedDetails>();
  let seen = 0;

  function describe(item: ForcedItem): ForcedDetails | undefined {
    try {
      const stream = sources.describeStream(item.id);
      if (stream === undefined) return sources.describeConnection(item.id);
      // A stream knows its path and bytes; the connection (or request) it runs on may know the peer.
      const { conn, request, ...details } = stream;
      const peer = details.peer ?? (conn === undefined ? undefined : sources.describeConnection(conn, request)?.peer);
      return peer === undefined ? details : { ...details, peer };
    } catch (error) {
      sources.reportError(error, `describing forced ${item.kind} ${item.id}`);
      return undefined;
    }
  }

  return {
    gather(): void {
      const items = forcedItems(sources.state);
      for (; seen < items.length; seen++) {
        const item = items[seen] as ForcedItem;
        const details = describe(item);
        if (details !== undefined) found.set(item.id, details);
      }
    },
    complete(report: Report): Report {
      if (found.size === 0) return report;
      return { ...report, forcedItems: report.forcedItems.map((item) => ({ ...item, ...defined(found.get(item.id)) })) };
    },
  };
}

/** Only the fields that are set: an absent detail stays absent in the report's JSON. */
function defined(details: ForcedDetails | undefined): ForcedDetails {
  if (details === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) if (value !== undefined) out[key] = value;
  return out as ForcedDetails;
}
