import { createHmac, timingSafeEqual } from "node:crypto";

/** How long a login lasts: the UI asks for the password again after this. */
const tokenTtlMs = 7 * 24 * 3600 * 1000;

function sign(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(payload).digest();
}

/**
 * The admin UI's session token: its expiry (unix ms) and an HMAC-SHA256 of it
 * under `admin.secret`, both base64url. It is opaque to the UI, which only
 * stores it and sends it back as `Authorization: token <t>`; changing the
 * secret ends every session.
 */
export function createAdminTokens(secret: string, now: () => number = Date.now) {
  return {
    issue(): string {
      const payload = Buffer.from(String(now() + tokenTtlMs)).toString("base64url");
      return `${payload}.${sign(secret, payload).toString("base64url")}`;
    },
    verify(token: string): boolean {
      if (!secret) return false;
      const [payload, mac, extra] = token.split(".");
      if (!payload || !mac || extra !== undefined) return false;
      const expected = sign(secret, payload);
      const given = Buffer.from(mac, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
      return Number(Buffer.from(payload, "base64url").toString()) > now();
    },
  };
}
