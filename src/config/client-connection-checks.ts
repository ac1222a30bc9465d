import type { Config } from "./schema.js";

/**
 * Rules of the `client` connection options that span sections: the personal
 * channel's namespace must exist, and keeping one connection per user needs
 * presence where the personal channel lives; connect-code transforms need
 * their codes. Messages are Centrifugo's.
 */
export function checkClientConnection(config: Config): string[] {
  const out: string[] = [];
  const personal = config.client.subscribe_to_user_personal_channel;
  const name = personal.enabled ? personal.personal_channel_namespace : "";
  const namespace = config.channel.namespaces.find((ns) => ns.name === name);
  if (name !== "" && !namespace) {
    out.push(
      `client.subscribe_to_user_personal_channel: namespace for user personal channel not found: ${name}`,
    );
  }
  if (personal.single_connection) {
    if (name === "" && !config.channel.without_namespace.presence) {
      out.push(
        "client.subscribe_to_user_personal_channel: presence must be enabled on top level to maintain single connection",
      );
    } else if (namespace && !namespace.presence) {
      out.push(
        `client.subscribe_to_user_personal_channel: presence must be enabled for namespace ${name} to maintain single connection`,
      );
    }
  }
  return out;
}
