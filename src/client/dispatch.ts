import type { Command } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import {
  handleHistory,
  handlePresence,
  handlePresenceStats,
  handlePublish,
  handleRpc,
  handleSend,
} from "./commands.js";
import { handleConnect } from "./connect.js";
import type { Connection } from "./connection.js";
import { handleMapWrite } from "./map-write.js";
import { handleRefresh, handleSubRefresh } from "./refresh.js";
import { handleSubscribe, handleUnsubscribe } from "./subscribe-command.js";

function isEmpty(c: Command): boolean {
  return (
    !c.connect &&
    !c.subscribe &&
    !c.unsubscribe &&
    !c.publish &&
    !c.presence &&
    !c.presenceStats &&
    !c.history &&
    !c.ping &&
    !c.send &&
    !c.rpc &&
    !c.refresh &&
    !c.subRefresh
  );
}

/**
 * Routes one command, Centrifugo's way: connect first and only once; an empty
 * command without id is a pong; any other command without id (but send), or
 * with no known request, is a protocol violation (3501). Handlers fail by
 * throwing a `Disconnect` or a `RotorError`; the session handles both.
 */
export async function dispatch(s: Connection, c: Command): Promise<void> {
  if (s.unusable) throw disconnects.badRequest;
  if (c.connect) return handleConnect(s, c.id, c.connect);
  if (s.state !== "connected") throw disconnects.badRequest;
  if (c.send) return handleSend(s);
  if (c.id === 0) {
    if (!isEmpty(c)) throw disconnects.badRequest;
    return s.handlePong();
  }
  if (c.subscribe) return handleSubscribe(s, c.id, c.subscribe);
  if (c.unsubscribe) return handleUnsubscribe(s, c.id, c.unsubscribe);
  if (c.publish?.type === 1) return handleMapWrite(s, c.id, c.publish);
  if (c.publish) return handlePublish(s, c.id, c.publish);
  if (c.presence) return handlePresence(s, c.id, c.presence);
  if (c.presenceStats) return handlePresenceStats(s, c.id, c.presenceStats);
  if (c.history) return handleHistory(s, c.id, c.history);
  if (c.rpc) return handleRpc(s, c.id, c.rpc);
  if (c.refresh) return handleRefresh(s, c.id, c.refresh);
  if (c.subRefresh) return handleSubRefresh(s, c.id, c.subRefresh);
  if (c.ping) throw errors.notAvailable();
  throw disconnects.badRequest;
}
