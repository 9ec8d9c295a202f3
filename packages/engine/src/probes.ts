import type { Phase } from "@drain/core";

/**
 * Readiness fails from the moment shutdown is requested, so load balancers move traffic away while the server
 * still serves. Liveness stays healthy until exit: a failing liveness probe would get the process restarted mid-drain.
 */
export function readinessResponse(phase: Phase): Response {
  if (phase === "serving") return new Response("ready\n", { status: 200, headers: { "content-type": "text/plain" } });
  return new Response(`shutting down (${phase})\n`, {
    status: 503,
    headers: { "content-type": "text/plain", "retry-after": "5", "cache-control": "no-store" },
  });
}

export function livenessResponse(phase: Phase): Response {
  return new Response(`alive (${phase})\n`, { status: 200, headers: { "content-type": "text/plain" } });
}
