import type { SseMessage } from "./types.ts";

/** Field values cannot hold line breaks; a `data` value with several lines becomes several `data:` lines. */
function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

/** One SSE event, wire format, ending with the blank line that dispatches it. */
export function formatMessage(message: SseMessage): string {
  let text = "";
  if (message.id !== undefined) text += `id: ${singleLine(message.id)}\n`;
  if (message.event !== undefined) text += `event: ${singleLine(message.event)}\n`;
  if (message.retry !== undefined) text += `retry: ${Math.max(0, Math.floor(message.retry))}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/**
 * The last frame of a drained stream: an event named `drain` (so `onmessage` handlers do not see it) with the
 * reason, and a jittered `retry:` so clients reconnect elsewhere, spread out. It carries no `id:`, so the
 * client's `Last-Event-ID` stays the last real event.
 */
export function formatFarewell(retryMs: number, reason: string): string {
  return formatMessage({ event: "drain", data: reason === "" ? "server shutting down" : reason, retry: retryMs });
}

export function formatComment(text: string): string {
  return `: ${singleLine(text)}\n\n`;
}
