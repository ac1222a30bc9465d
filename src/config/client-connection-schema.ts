import { z } from "zod";

/** A `{code, to: {code, reason}}` rule turning a connect error into a disconnect. */
const disconnectTransform = () =>
  z.strictObject({
    code: z.number().int().min(1, "code must be set"),
    to: z.strictObject({
      code: z.number().int().min(1, "to.code must be set"),
      reason: z
        .string()
        .regex(/^[\x20-\x7e]*$/, "reason must be ASCII")
        .default(""),
    }),
  });

/**
 * The `client` options about how a connection is admitted and who it is, as
 * Centrifugo v6.9 names them: the node's connection limit and rate, the
 * personal channel every user is subscribed to, a user ID from a header set
 * by a trusted proxy, tokens accepted without a signature check (for
 * development only), and how a unidirectional connection's connect error
 * becomes a disconnect code.
 */
export const clientConnectionShape = () => ({
  /** Clients one node holds at most (0: no limit); more get HTTP 503. */
  connection_limit: z.number().int().min(0).default(0),
  /** Connections one node starts per second, as a bucket of N (0: no limit); more get HTTP 503. */
  connection_rate_limit: z.number().int().min(0).default(0),
  subscribe_to_user_personal_channel: z
    .strictObject({
      enabled: z.boolean().default(false),
      personal_channel_namespace: z.string().default(""),
      single_connection: z.boolean().default(false),
    })
    .prefault({}),
  user_id_http_header: z.string().default(""),
  insecure_skip_token_signature_verify: z.boolean().default(false),
  connect_code_to_unidirectional_disconnect: z
    .strictObject({
      enabled: z.boolean().default(false),
      transforms: z.array(disconnectTransform()).default([]),
    })
    .prefault({}),
});
