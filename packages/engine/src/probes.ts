import type { Phase } from "@drain/core";

/**
 * Readiness fails until the app is ready (`startReady: false` until `ready()`) and from the moment shutdown is
 * requested, so load balancers send nothing early and move traffic away while the server still serves. Liveness
 * stays healthy until exit: a failing liveness probe would get the process restarted mid-drain (or mid-start-up).
 * `ready` is the core's `isReady` (ready and serving).
 */
export function readinessResponse(phase: Phase, ready: boolean): Response {
  if (ready) return new Response("ready\n", { status: 200, headers: { "content-type": "text/plain" } });
  const why = phase === "serving" ? "starting" : `shutting down (${phase})`;
  return new Response(`${why}\n`, {
    status: 503,
    headers: { "content-type": "text/plain", "retry-after": "5", "cache-control": "no-store" },
  });
}

export function livenessResponse(phase: Phase): Response {
  return new Response(`alive (${phase})\n`, { status: 200, headers: { "content-type": "text/plain" } });
}
