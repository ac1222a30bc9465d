import type { NodeSnapshot } from "./control.js";

/** How long a node counts as alive after its last heartbeat (Centrifugo's 7 s). */
const aliveMs = 7000;

/**
 * The other nodes of the cluster as their heartbeats describe them. A node
 * that stops sending heartbeats (crashed, cut off) drops out after `aliveMs`;
 * one that shuts down cleanly says so and drops out at once.
 */
export class NodeRegistry {
  private readonly peers = new Map<string, { node: NodeSnapshot; seenAt: number }>();

  /** Records a heartbeat; true when the node was not known (it then deserves an answer). */
  heard(node: NodeSnapshot, now: number): boolean {
    const known = this.peers.has(node.uid);
    this.peers.set(node.uid, { node, seenAt: now });
    return !known;
  }

  forget(uid: string): void {
    this.peers.delete(uid);
  }

  has(uid: string, now: number): boolean {
    const peer = this.peers.get(uid);
    return peer !== undefined && now - peer.seenAt <= aliveMs;
  }

  /** The live peers, forgetting the dead ones on the way. */
  alive(now: number): NodeSnapshot[] {
    const out: NodeSnapshot[] = [];
    for (const [uid, peer] of this.peers) {
      if (now - peer.seenAt > aliveMs) this.peers.delete(uid);
      else out.push(peer.node);
    }
    return out;
  }
}
