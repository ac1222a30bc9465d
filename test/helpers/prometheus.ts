/** A Prometheus text exposition, read into samples keyed `name{label="value",…}` with labels sorted. */
export type Samples = ReadonlyMap<string, number>;

function sampleKey(name: string, labels: Record<string, string>): string {
  const inner = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`)
    .join(",");
  return `${name}{${inner}}`;
}

/** Parses the text format's sample lines (comments skipped). */
export function parseExposition(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[name!] = value!;
    samples.set(sampleKey(match[1]!, labels), Number(match[3]));
  }
  return samples;
}

/** GETs a `/metrics` endpoint and parses it. */
export async function scrape(url: string): Promise<Samples> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return parseExposition(await res.text());
}

/** One sample's value; undefined when the exposition has no such sample. */
export function sample(
  samples: Samples,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.get(sampleKey(name, labels));
}
