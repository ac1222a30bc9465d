import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { ChannelInterest } from "../../src/node/channel-interest.js";
import { ChannelLocks } from "../../src/node/channel-locks.js";
import { Hub, type HubClient, type HubSubscriber } from "../../src/node/hub.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { scriptedBroker } from "../helpers/scripted-broker.js";

function subscriber(id: string, channel: string): HubSubscriber {
  const client = { id, user: "", session: "" } as HubClient;
  return {
    client,
    channel,
    recheckPosition: () => {},
    deliverPublication: () => {},
    deliverJoin: () => {},
    deliverLeave: () => {},
  };
}

function setup() {
  const scripted = scriptedBroker();
  const hub = new Hub(() => {});
  const interest = new ChannelInterest(scripted.broker, hub, new ChannelLocks(), pino({ level: "silent" }));
  return { ...scripted, hub, interest };
}

test("a connection's new channels are subscribed at the broker in one call", async () => {
  const { interest, calls } = setup();
  await interest.add([subscriber("c1", "a"), subscriber("c1", "b"), subscriber("c1", "c")]);
  await interest.add([subscriber("c2", "a"), subscriber("c2", "d")]);
  assert.deepEqual(calls, ["subscribe a,b,c", "subscribe d"]);
  interest.close();
});

test("a failed broker subscribe takes the hub entries back out; the next subscriber tries again", async () => {
  const { interest, hub, calls, failNext } = setup();
  failNext("subscribe");
  await assert.rejects(interest.add([subscriber("c1", "a")]), /broker down/);
  assert.equal(hub.hasSubscribers("a"), false);
  await interest.add([subscriber("c2", "a")]);
  assert.deepEqual(calls, ["subscribe a", "subscribe a"]);
  assert.equal(hub.hasSubscribers("a"), true);
  interest.close();
});

test("subscribers arriving while the broker subscribes wait for it: one broker subscribe", async () => {
  const { interest, calls, holdSubscribes, hub } = setup();
  const release = holdSubscribes();
  const first = interest.add([subscriber("c1", "a")]);
  let secondDone = false;
  const second = interest.add([subscriber("c2", "a")]).then(() => {
    secondDone = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(secondDone, false, "the second subscriber must not go live before the broker subscribed");
  release();
  await Promise.all([first, second]);
  assert.deepEqual(calls, ["subscribe a"]);
  assert.equal([...hub.subscribers("a")].length, 2);
  interest.close();
});

test("the last leave unsubscribes a moment later, batched, unless someone came back meanwhile", async () => {
  const { interest, calls } = setup();
  await interest.add([subscriber("c1", "a"), subscriber("c1", "b"), subscriber("c1", "c")]);
  await Promise.all(["a", "b", "c"].map((ch) => interest.remove(ch, "c1")));
  await interest.add([subscriber("c2", "b")]);
  await waitUntil("the unsubscribe", async () => calls.length === 2, 3000);
  assert.deepEqual(calls, ["subscribe a,b,c", "unsubscribe a,c"]);
  interest.close();
});
