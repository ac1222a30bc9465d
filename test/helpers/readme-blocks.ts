import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const readme = fileURLToPath(new URL("../../README.md", import.meta.url));

/** One fenced code block of the README: its language tag and text. */
export interface ReadmeBlock {
  readonly lang: string;
  readonly text: string;
}

/**
 * The fenced blocks under a README heading, up to the next heading of the
 * same or a higher level: the examples a reader copies from that section.
 */
export function readmeBlocks(heading: string): ReadmeBlock[] {
  const lines = readFileSync(readme, "utf8").split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README has no heading ${JSON.stringify(heading)}`);
  const level = heading.indexOf(" ");
  const blocks: ReadmeBlock[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    if (open) {
      if (line === "```") {
        blocks.push({ lang: open.lang, text: open.lines.join("\n") });
        open = undefined;
      } else open.lines.push(line);
      continue;
    }
    const heading = /^(#+) /.exec(line);
    if (heading && heading[1]!.length <= level) break;
    if (line.startsWith("```")) open = { lang: line.slice(3).trim(), lines: [] };
  }
  return blocks;
}

/** The commands of a shell block: continuation lines joined, comments (whole-line and trailing) and blank lines left out. */
export function shellCommands(block: ReadmeBlock): string[] {
  return block.text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.replace(/\s+#\s.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}
