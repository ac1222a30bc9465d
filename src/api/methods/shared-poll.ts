import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  SharedPollPublishRequest,
  SharedPollPublishResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { Node } from "../../node/node.js";
import type { SharedPolls } from "../../shared-poll/shared-polls.js";
import { apiErrors } from "../api-errors.js";
import { payload } from "./payload.js";

/**
 * SharedPollPublish: a new version of one key, sent at once to the
 * subscriptions of every node that track it (and left out of the next refresh
 * cycle there). 107 for an empty channel or key, version 0 or a namespace that is
 * not shared_poll; 102 for an unknown namespace; 108 without the namespace's
 * `shared_poll.publish_enabled`. A key nobody tracks, or a version not above
 * the one held, changes nothing; 100 when a node did not take it in time.
 */
export async function sharedPollPublish(
  node: Node,
  req: SharedPollPublishRequest,
  polls: SharedPolls,
): Promise<MessageInitShape<typeof SharedPollPublishResultSchema>> {
  if (req.channel === "" || req.key === "" || req.version === 0n) throw apiErrors.badRequest();
  if (!node.rules.resolve(req.channel)) throw apiErrors.unknownChannel();
  const ns = node.channel(req.channel).options;
  if (ns.subscription_type !== "shared_poll") throw apiErrors.badRequest();
  if (!ns.shared_poll.publish_enabled) throw apiErrors.notAvailable();
  await polls.publish(req, payload(req.data, req.b64data));
  return {};
}
