import { existsSync, readFileSync } from "node:fs";
import type { ProxyTlsOptions } from "../config/proxy-schema.js";

/** Client TLS settings in the shape `tls.connect`, `https.Agent` and undici take. */
export interface TlsConnectOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** A PEM value as Centrifugo reads it: PEM text, a file path, or base64 of PEM text. */
function pem(value: string, where: string): string | undefined {
  if (value === "") return undefined;
  if (value.includes("-----BEGIN")) return value;
  if (existsSync(value)) return readFileSync(value, "utf8");
  const decoded = Buffer.from(value, "base64").toString("utf8");
  if (decoded.includes("-----BEGIN")) return decoded;
  throw new Error(`${where}: neither PEM text, a readable file nor base64 PEM`);
}

/**
 * The TLS options of a backend call (`http.tls` or `grpc.tls`): the CA to trust
 * instead of the system's, a client certificate for mutual TLS, the name to
 * verify, or no verification at all. Throws, naming the option, for a PEM
 * value that cannot be read: that is a start-up error.
 */
export function tlsConnectOptions(tls: ProxyTlsOptions, where: string): TlsConnectOptions {
  const out: TlsConnectOptions = { rejectUnauthorized: !tls.insecure_skip_verify };
  const ca = pem(tls.server_ca_pem, `${where}.server_ca_pem`);
  const cert = pem(tls.cert_pem, `${where}.cert_pem`);
  const key = pem(tls.key_pem, `${where}.key_pem`);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  if (tls.server_name) out.servername = tls.server_name;
  return out;
}
