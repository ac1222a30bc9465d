/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a summary needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  /** Microseconds, on the same monotonic clock as `process.hrtime`. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples in the window. */
export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  /** Milliseconds of samples in the window, and how much of it was not idle. */
  readonly windowMs: number;
  readonly busyMs: number;
  /** Functions by self time, largest first (idle left out). */
  readonly functions: SelfTime[];
  /** Self time by where the code lives: rotor, ws, fastify, node internals, GC… */
  readonly areas: SelfTime[];
}

/** Where a function lives, from its script URL: the package, rotor's folder, or V8's pseudo-frames. */
function areaOf(name: string, url: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const src = /\/dist\/(src|gen)\/([^/]+)/.exec(url);
  if (src) return src[1] === "gen" ? "rotor gen/" : `rotor ${src[2]}/`;
  return url;
}

function shortUrl(url: string): string {
  const cut = url.search(/node_modules\/|\/dist\//);
  return cut >= 0 ? url.slice(cut).replace(/^\/dist\//, "") : url;
}

/**
 * Self time per function and per area of the samples taken between `from`
 * and `to` (microseconds on the monotonic clock; the whole profile when
 * absent). Percentages are of the window's busy (non-idle) time.
 */
export function summariseProfile(profile: CpuProfile, from = -Infinity, to = Infinity): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    // A sample stands for the time until the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    windowUs += dt;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || "(anonymous)";
    if (name === "(idle)") {
      idleUs += us;
      continue;
    }
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const key = `${name} ${where}`;
    const f = functions.get(key) ?? { name, where, us: 0 };
    f.us += us;
    functions.set(key, f);
    const area = areaOf(name, url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = windowUs - idleUs;
  const share = (us: number) => (busyUs > 0 ? (100 * us) / busyUs : 0);
  return {
    windowMs: windowUs / 1000,
    busyMs: busyUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, percent: share(f.us) })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, where: "", ms: us / 1000, percent: share(us) })),
  };
}
