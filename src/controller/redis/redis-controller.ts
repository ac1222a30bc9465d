import type { Controller } from "../../core/controller.js";
import { PubSubConnection } from "../../redis/pubsub-connection.js";
import type { RedisShards } from "../../redis/redis-shards.js";

/**
 * Control messages over Redis PUB/SUB, on Centrifugo's channels:
 * `<prefix>.control` for every node and `<prefix>.node.<uid>` for one. Every
 * node listens on every shard; each message goes out through one shard,
 * taken in turn, so no shard carries all the control traffic.
 */
export function createRedisController(shards: RedisShards): Controller {
  const broadcast = `${shards.prefix}.control`;
  const direct = (nodeId: string) => `${shards.prefix}.node.${nodeId}`;
  const connections: PubSubConnection[] = [];
  let next = 0;

  function send(channel: string, data: Uint8Array): Promise<unknown> {
    const shard = shards.list[next++ % shards.list.length]!;
    return shard.command.publish(channel, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  return {
    async start(nodeId, handler) {
      await shards.connect();
      await Promise.all(
        shards.list.map((shard) => {
          const connection = new PubSubConnection(shard, [broadcast, direct(nodeId)], {
            onMessage: (_channel, message) => handler(message),
            onRestored: () => {},
          });
          connections.push(connection);
          return connection.start();
        }),
      );
    },

    async publish(data) {
      await send(broadcast, data);
    },

    async publishTo(nodeId, data) {
      await send(direct(nodeId), data);
    },

    async close() {
      for (const connection of connections) connection.close();
      shards.release();
    },
  };
}
