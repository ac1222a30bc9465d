import type { ControlHandler, Controller } from "../../core/controller.js";

/**
 * The controller of a single-node setup: there is no other node to reach, so
 * messages to every node go nowhere (the node applies its own commands
 * itself) and a message to a node id arrives only when the id is this node's.
 */
export function createMemoryController(): Controller {
  let self = "";
  let handler: ControlHandler | undefined;
  return {
    async start(nodeId, h) {
      self = nodeId;
      handler = h;
    },
    async publish() {},
    async publishTo(nodeId, data) {
      if (nodeId === self) handler?.(data);
    },
    async close() {
      handler = undefined;
    },
  };
}
