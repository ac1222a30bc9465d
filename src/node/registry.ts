import type { NodeSnapshot } from "./control.js";

/** How long a node counts as alive after its last heartbeat (Centrifugo's 7 s). */
const aliveMs = 7000;

/**
 * The other nodes of the cluster as their heartbeats describe them. A node
 * that stops sending heartbeats (crashed, cut off) drops out after `aliveMs`;
 * one that shuts down cleanly says so and drops out at once, and stays out:
 * a controller with several shards (PostgreSQL, sharded Redis) keeps no
 * order between them, so a heartbeat sent just before the notice may arrive
 * after it. Node ids are new at every start, so no live node is kept out.
 */
export class NodeRegistry {
  private readonly peers = new Map<string, { node: NodeSnapshot; seenAt: number }>();
  /** Nodes that said they were leaving, and when; kept for `aliveMs`, past any heartbeat still on its way. */
  private readonly left = new Map<string, number>();

  /** Records a heartbeat; true when the node was not known (it then deserves an answer). */
  heard(node: NodeSnapshot, now: number): boolean {
    for (const [uid, at] of this.left) if (now - at > aliveMs) this.left.delete(uid);
    if (this.left.has(node.uid)) return false;
    const known = this.peers.has(node.uid);
    this.peers.set(node.uid, { node, seenAt: now });
    return !known;
  }

  /** The node said it is leaving. */
  forget(uid: string, now: number): void {
    this.peers.delete(uid);
    this.left.set(uid, now);
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
