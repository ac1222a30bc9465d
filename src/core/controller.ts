/** Receives the control messages addressed to this node or to every node. */
export type ControlHandler = (data: Uint8Array) => void;

/**
 * Carries node-to-node control messages (heartbeats, server-side commands by
 * user, surveys) between the nodes of one cluster. Apart from the broker
 * because it is a different job: a broker moves channel publications to the
 * nodes interested in them, a controller reaches nodes. Delivery is
 * at-most-once; messages published to every node may come back to the
 * sender, which recognises and drops them by the uid they carry.
 */
export interface Controller {
  /** Starts delivering messages for this node (by its id) and for every node. */
  start(nodeId: string, handler: ControlHandler): Promise<void>;
  /** Sends to every node of the cluster. */
  publish(data: Uint8Array): Promise<void>;
  /** Sends to the one node with this id. */
  publishTo(nodeId: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
