import { initial, type Capabilities, type State } from "@drain/core";

/** A Node-like adapter: it sees every socket and can close or destroy each one. */
export const NODE_CAPABILITIES: Capabilities = {
  closeConnection: true,
  forceConnection: true,
  seesNeverUsed: true,
  goaway: true,
  connectionClose: true,
};

/** A fresh machine with default options, as a Node server would build it. */
export function nodeMachine(): State {
  return initial({ capabilities: NODE_CAPABILITIES });
}
