/**
 * Fields Centrifugo emits even when zero or empty: its `generate_tags.sh`
 * strips `omitempty` from exactly these (spec §2.3), so clients may rely on
 * e.g. `num_clients: 0` or `publications: []` being present. The client
 * protocol keeps the same fields in its own package. Keyed
 * `<full message type name>.<proto field name>`.
 */
const serverApi = {
  ClientInfo: ["user", "client"],
  PresenceResult: ["presence"],
  PresenceStatsResult: ["num_clients", "num_users"],
  HistoryResult: ["publications", "epoch", "offset"],
  NodeResult: ["uid", "name", "version", "num_clients", "num_users", "num_channels", "num_subs"],
  ChannelsResult: ["channels"],
  ConnectionsResult: ["connections"],
  GetUserStatusResult: ["statuses"],
  DeviceListResult: ["items"],
  DeviceTopicListResult: ["items"],
  UserTopicListResult: ["items"],
};

const clientProtocol = {
  ClientInfo: ["user", "client"],
  PresenceResult: ["presence"],
  PresenceStatsResult: ["num_clients", "num_users"],
  HistoryResult: ["publications", "epoch", "offset"],
};

/** Proxy requests always carry `user` ("" for anonymous connections), except connect, as Centrifugo sends them. */
const proxyRequests = {
  RefreshRequest: ["user"],
  SubscribeRequest: ["user"],
  PublishRequest: ["user"],
  RPCRequest: ["user"],
  SubRefreshRequest: ["user"],
};

function qualified(pkg: string, table: Record<string, string[]>): string[] {
  return Object.entries(table).flatMap(([message, fields]) =>
    fields.map((field) => `${pkg}.${message}.${field}`),
  );
}

export const alwaysEmitted: ReadonlySet<string> = new Set([
  ...qualified("centrifugal.centrifugo.api", serverApi),
  ...qualified("centrifugal.centrifuge.protocol", clientProtocol),
  ...qualified("centrifugal.centrifugo.proxy", proxyRequests),
]);
