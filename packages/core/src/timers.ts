import type { Id } from "./types.ts";

/** Why an entry sits in the timer queue. */
export const GRACE_EXPIRES = 1;
export const WS_CLOSE_TIMEOUT = 2;
export const LAMEDUCK_TURN = 3;
export type TimerTag = typeof GRACE_EXPIRES | typeof WS_CLOSE_TIMEOUT | typeof LAMEDUCK_TURN;

export interface TimerEntry {
  readonly at: number;
  readonly id: Id;
  readonly tag: TimerTag;
}

/**
 * A binary min-heap of per-connection deadlines. Entries are never removed early: a popped entry is
 * checked against the connection's current state and dropped when stale, which keeps every update O(log n).
 */
export class TimerQueue {
  readonly #heap: TimerEntry[] = [];

  get size(): number {
    return this.#heap.length;
  }

  peek(): TimerEntry | undefined {
    return this.#heap[0];
  }

  push(entry: TimerEntry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as TimerEntry;
      if (p.at <= entry.at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  pop(): TimerEntry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (heap[right] as TimerEntry).at < (heap[left] as TimerEntry).at ? right : left;
      const c = heap[child] as TimerEntry;
      if (c.at >= last.at) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  clear(): void {
    this.#heap.length = 0;
  }
}
