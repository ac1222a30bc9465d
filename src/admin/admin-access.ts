import { timingSafeEqual } from "node:crypto";
import type { RequestHeader } from "../api/api-key.js";
import type { Config } from "../config/schema.js";
import { createAdminTokens } from "./admin-token.js";

/** `Authorization: token <t>`, the scheme case-insensitive; undefined for anything else. */
function tokenOf(authorization: string | null | undefined): string | undefined {
  const parts = authorization?.trim().split(/\s+/) ?? [];
  return parts.length === 2 && parts[0]!.toLowerCase() === "token" ? parts[1] : undefined;
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may use the admin UI: everyone with `admin.insecure`; otherwise whoever
 * logged in with `admin.password` and holds a token signed with
 * `admin.secret`. Without a password or a secret nobody can log in.
 */
export function createAdminAccess(admin: Config["admin"]) {
  const tokens = createAdminTokens(admin.secret);
  return {
    insecure: admin.insecure,
    /** The token for a correct password; undefined when the password is wrong or login is not configured. */
    login(password: string): string | undefined {
      if (!admin.password || !admin.secret) return undefined;
      return samePassword(password, admin.password) ? tokens.issue() : undefined;
    },
    /** Whether a request carries a valid admin token (always, in insecure mode). */
    allows(header: RequestHeader): boolean {
      if (admin.insecure) return true;
      const token = tokenOf(header("authorization"));
      return token !== undefined && tokens.verify(token);
    },
  };
}

export type AdminAccess = ReturnType<typeof createAdminAccess>;
