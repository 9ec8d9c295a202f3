import { OPENED_UNTIMED, type Entity, type State } from "./state.ts";
import type { ForcedItem, Id } from "./types.ts";

/**
 * The forced items the report lists. With 100k connections cut at once, listing each would make the report (and
 * the log) the problem, so the first `FORCED_ITEMS_LIMIT` are listed, oldest first, and the rest only counted.
 */
export const FORCED_ITEMS_LIMIT = 50;

/** Note one forced entity, at the moment it is forced. */
export function recordForced(state: State, id: Id, entity: Entity): void {
  // The ones beyond the limit are still counted in the forced stats; the report derives how many were left out.
  if (state.forcedItems.length >= FORCED_ITEMS_LIMIT) return;
  state.forcedItems.push({ id, kind: entity.kind, ageMs: state.now - entity.opened, ageIsLowerBound: (entity.flags & OPENED_UNTIMED) !== 0 });
}

/**
 * The items forced so far (at most `FORCED_ITEMS_LIMIT`), in the order they were forced. An engine reads the ones
 * added since it last looked when it carries out a `destroy` or `force-remaining`, to ask the adapter about them
 * while it still holds them.
 *
 * @example
 * ```ts
 * const items = forcedItems(state);
 * for (; seen < items.length; seen++) details.set(items[seen].id, binding.describe?.(items[seen].id));
 * ```
 */
export function forcedItems(state: State): readonly ForcedItem[] {
  return state.forcedItems;
}
