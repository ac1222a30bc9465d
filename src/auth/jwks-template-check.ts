import type { TokenConfig } from "./token-config.js";

/** A placeholder of the JWKS endpoint: the text between `{{` and the next `}}`, untrimmed (Centrifugo's reading). */
const placeholder = /\{\{(.*?)\}\}/g;
const shorthand = /^[dDwWsSpP]$/;
/** Escapes that stand for one literal character. */
const literalEscape = /^[^A-Za-z0-9]$|^[ntrfva]$/;
const repeat = /^\{\d+(,\d*)?\}/;

/** Whether `source[at]` is escaped by an odd run of backslashes before it. */
function escaped(source: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && source[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

/** The whole-pattern scan: bracket classes and class shorthands widen what a claim may put into a URL. */
function classSyntax(key: string, source: string): string | undefined {
  for (let i = 0; i < source.length; i++) {
    if (source[i] === "[" && !escaped(source, i)) {
      return `${key} contains character class syntax ([...]), which is not allowed when jwks_public_endpoint uses {{...}} placeholders`;
    }
    if (source[i] === "\\" && !escaped(source, i) && shorthand.test(source[i + 1] ?? "")) {
      return `${key} contains character class shorthand (\\${source[i + 1]}), which is not allowed when jwks_public_endpoint uses {{...}} placeholders`;
    }
  }
  return undefined;
}

/** The body of the group whose `(` is at `open`: up to its matching `)`. */
function groupBody(source: string, open: number, bodyStart: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === "\\") {
      i++;
      continue;
    }
    if (source[i] === "(") depth++;
    else if (source[i] === ")" && --depth === 0) return source.slice(bodyStart, i);
  }
  return source.slice(bodyStart);
}

/**
 * Whether a group body matches only an explicit list of strings: literals
 * (escaped metacharacters included), concatenation, alternation, nested
 * groups and the case-folding flag. Anything that matches open-ended input —
 * `.`, quantifiers, anchors, classes, other escapes — is not.
 */
function explicitList(body: string): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\") {
      const next = body[i + 1] ?? "";
      if (next === "x") {
        const hex = /^x([0-9A-Fa-f]{2}|\{[0-9A-Fa-f]+\})/.exec(body.slice(i + 1));
        if (!hex) return false;
        i += hex[0].length;
        continue;
      }
      if (!literalEscape.test(next)) return false;
      i++;
      continue;
    }
    if (c === "(") {
      const group = /^\(\?(?:P?<\w+>|i?:|i\))|^\((?!\?)/.exec(body.slice(i));
      if (!group) return false;
      i += group[0].length - 1;
      continue;
    }
    if (".*+?^$[".includes(c)) return false;
    if (c === "{" && repeat.test(body.slice(i))) return false;
  }
  return true;
}

/** Named groups of the pattern used as placeholders whose bodies are not explicit lists. */
function openGroups(key: string, source: string, placeholders: ReadonlySet<string>): string | undefined {
  for (const match of source.matchAll(/\(\?P?<(\w+)>/g)) {
    const name = match[1]!;
    if (!placeholders.has(name) || escaped(source, match.index)) continue;
    if (!explicitList(groupBody(source, match.index, match.index + match[0].length))) {
      return `${key} named group "${name}" is used in JWKS endpoint URL template — only an explicit list of allowed values is permitted (e.g. (?P<${name}>value1|value2))`;
    }
  }
  return undefined;
}

/**
 * The check Centrifugo 6.7 added for CVE-2026-32301: when
 * `jwks_public_endpoint` is a template, the `issuer_regex` and
 * `audience_regex` groups that fill it must each match only an explicit list
 * of values, so a token (not yet verified when the URL is built) cannot point
 * key fetching at a host or path of its choosing. Returns what is wrong, or
 * undefined when the template is safe or not a template.
 */
export function jwksTemplateProblem(config: TokenConfig): string | undefined {
  const names = new Set([...config.jwks_public_endpoint.matchAll(placeholder)].map((m) => m[1]!));
  if (names.size === 0) return undefined;
  for (const key of ["issuer_regex", "audience_regex"] as const) {
    const source = config[key];
    if (!source) continue;
    const problem = classSyntax(key, source) ?? openGroups(key, source, names);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Whether a filled-in endpoint's path is already clean: no empty, `.` or `..`
 * segment, so a substituted value cannot climb out of the path the template
 * set (Centrifugo refuses to fetch from a URL that path cleaning would change).
 */
export function cleanEndpointPath(url: string): boolean {
  const afterScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const path = afterScheme.split(/[?#]/, 1)[0]!;
  const segments = path.split("/");
  segments.shift();
  if (segments.at(-1) === "") segments.pop();
  return segments.every((s) => {
    const plain = s.replace(/%2e/gi, ".");
    return plain !== "" && plain !== "." && plain !== "..";
  });
}
