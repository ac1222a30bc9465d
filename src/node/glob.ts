function escapeChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Compiles a channel pattern to a RegExp with gobwas/glob semantics and no
 * separators: `*` matches any run of characters (`:` included), `?` one
 * character, `[abc]`/`[!abc]` a class, `{a,b}` alternatives, `\` escapes.
 * Returns undefined for a malformed pattern.
 */
export function compileGlob(pattern: string): RegExp | undefined {
  let out = "";
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      if (i + 1 >= pattern.length) return undefined;
      out += escapeChar(pattern[++i]!);
    } else if (ch === "*") {
      out += "[\\s\\S]*";
    } else if (ch === "?") {
      out += "[\\s\\S]";
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else if (ch === "{") {
      depth += 1;
      out += "(?:";
    } else if (ch === "}" && depth > 0) {
      depth -= 1;
      out += ")";
    } else if (ch === "," && depth > 0) {
      out += "|";
    } else {
      out += escapeChar(ch);
    }
  }
  if (depth !== 0) return undefined;
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}
