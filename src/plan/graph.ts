/**
 * The rebuild graph of an estate (bases → images, managed image → images built FROM it) and
 * what a single base update sets off: which images rebuild, how many build workflows are
 * dispatched in the worst case, and which images wait for a person.
 */
import type { Estate, ImageNode } from "../model/types";
import { sourceLabel } from "../config/source";

export interface FanOut {
  /** WatchedBase.key */
  base: string;
  /** Images a move of this base triggers directly. */
  direct: string[];
  /** Images rebuilt automatically, directly or through managed images that rebuild and publish. */
  rebuilt: string[];
  /**
   * Build workflow dispatches in the worst case: an image built on two rebuilt parents is
   * dispatched once per parent's new version (Kargo promotes each new Freight).
   */
  dispatches: number;
  /** Images with autoRebuild false that this base reaches: they wait for a manual promotion. */
  held: string[];
  /** Pull requests opened by update Stages (one per `updates` entry per new version). */
  updatePullRequests: number;
}

/** The managed images built FROM each image (its children), by name. */
export function childrenOf(estate: Pick<Estate, "images">): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const node of estate.images) {
    // A parent named by two FROM lines is still one edge.
    const parents = new Set(node.triggers.flatMap((t) => (t.source.kind === "image" ? [t.source.name] : [])));
    for (const parent of parents) {
      const list = children.get(parent);
      if (list) list.push(node.spec.name);
      else children.set(parent, [node.spec.name]);
    }
  }
  return children;
}

/**
 * Fan-out of every watched base, largest first. Work per base is proportional to the part of
 * the graph it reaches, so the whole table stays cheap on large estates.
 */
export function fanOut(estate: Estate): FanOut[] {
  const children = childrenOf(estate);
  const order = new Map(estate.images.map((n, i) => [n.spec.name, i]));
  const byName = new Map(estate.images.map((n) => [n.spec.name, n]));
  const parentsOf = new Map<string, string[]>();
  for (const [parent, kids] of children) {
    for (const k of kids) {
      const list = parentsOf.get(k);
      if (list) list.push(parent);
      else parentsOf.set(k, [parent]);
    }
  }

  const result = estate.bases.map((base): FanOut => {
    const direct = new Set(base.dependents);
    // Everything reachable, then visited parents-first (estate.images is topologically sorted).
    const reach = new Set<string>();
    const stack = [...direct];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (reach.has(name)) continue;
      reach.add(name);
      const node = byName.get(name);
      // An image that does not rebuild by itself publishes nothing new: the cascade stops.
      if (node && node.spec.autoRebuild) for (const c of children.get(name) ?? []) stack.push(c);
    }
    const ordered = [...reach].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const arrivals = new Map<string, number>();
    let dispatches = 0;
    let updatePullRequests = 0;
    const rebuilt: string[] = [];
    const held: string[] = [];
    for (const name of ordered) {
      const node = byName.get(name) as ImageNode;
      let n = direct.has(name) ? 1 : 0;
      for (const p of parentsOf.get(name) ?? []) n += publishes(p, arrivals, byName);
      arrivals.set(name, n);
      if (node.spec.autoRebuild) {
        rebuilt.push(name);
        dispatches += n;
        updatePullRequests += n * node.spec.updates.length;
      } else {
        held.push(name);
      }
    }
    return { base: base.key, direct: [...direct].sort(cmp), rebuilt: rebuilt.sort(cmp), dispatches, held: held.sort(cmp), updatePullRequests };
  });
  return result.sort((a, b) => b.dispatches - a.dispatches || b.held.length - a.held.length || cmp(a.base, b.base));
}

/** How many new versions an image publishes during the cascade (0 when it does not rebuild by itself). */
function publishes(name: string, arrivals: Map<string, number>, byName: Map<string, ImageNode>): number {
  return byName.get(name)?.spec.autoRebuild ? (arrivals.get(name) ?? 0) : 0;
}

export interface GraphMarks {
  /** Images and base keys the change adds. */
  added?: readonly string[];
  /** Images whose declared resources change. */
  changed?: readonly string[];
  /** Images and base keys the change removes (drawn as ghosts: they are not in the estate). */
  removed?: readonly string[];
}

export interface MermaidOptions {
  /** Above this many nodes the whole graph is not drawn (a PR comment has a size limit). */
  maxNodes?: number;
  marks?: GraphMarks;
}

export interface GraphPicture {
  /** The diagram: the whole graph, or (above maxNodes) the part the change touches. */
  mermaid?: string;
  /** Above maxNodes: how many nodes the diagram shows of how many. */
  partial?: { shown: number; total: number };
  /** Above maxNodes: bases grouped by registry → images grouped by source repository. */
  overview?: string;
}

const DEFAULT_MAX_NODES = 80;

/** Nodes are images (by name) and bases (by key); ids are stable within one diagram. */
interface Node {
  key: string;
  kind: "base" | "image";
}

/**
 * The rebuild graph as Mermaid. Up to maxNodes it is drawn whole, with the change's marks;
 * above it, the nodes the change touches and their direct neighbours are drawn (when they fit)
 * and an overview groups bases by registry and images by source repository.
 */
export function rebuildGraph(estate: Estate, opts: MermaidOptions = {}): GraphPicture {
  const max = opts.maxNodes ?? DEFAULT_MAX_NODES;
  const marks = opts.marks ?? {};
  const removedGhosts = (marks.removed ?? []).length;
  const total = estate.bases.length + estate.images.length;
  if (total + removedGhosts <= max) return { mermaid: draw(estate, undefined, marks) };

  const touched = new Set([...(marks.added ?? []), ...(marks.changed ?? [])]);
  const keep = new Set<string>();
  if (touched.size > 0) {
    const byName = new Map(estate.images.map((n) => [n.spec.name, n]));
    const children = childrenOf(estate);
    const dependents = new Map(estate.bases.map((b) => [b.key, b.dependents]));
    for (const key of touched) {
      keep.add(key);
      const node = byName.get(key);
      for (const t of node?.triggers ?? []) keep.add(t.source.kind === "base" ? t.source.key : t.source.name);
      for (const c of children.get(key) ?? dependents.get(key) ?? []) keep.add(c);
    }
  }
  const picture: GraphPicture = { overview: overview(estate) };
  if (keep.size > 0 && keep.size + removedGhosts <= max) {
    picture.mermaid = draw(estate, keep, marks);
    picture.partial = { shown: keep.size, total };
  }
  return picture;
}

/** The rebuild graph as a Mermaid flowchart, or undefined when it is too large to draw. */
export function mermaid(estate: Estate, opts: MermaidOptions = {}): string | undefined {
  const nodes = estate.bases.length + estate.images.length;
  if (nodes > (opts.maxNodes ?? DEFAULT_MAX_NODES)) return undefined;
  return draw(estate, undefined, opts.marks ?? {});
}

function draw(estate: Estate, only: ReadonlySet<string> | undefined, marks: GraphMarks): string {
  const lines = ["flowchart LR"];
  const bases = estate.bases.filter((b) => !only || only.has(b.key));
  const images = estate.images.filter((n) => !only || only.has(n.spec.name));
  const baseId = new Map(bases.map((b, i) => [b.key, `b${i}`]));
  const imageId = new Map(images.map((n, i) => [n.spec.name, `i${i}`]));
  for (const b of bases) lines.push(`  ${baseId.get(b.key)}[["${esc(shortBase(b.key))}"]]:::base`);
  for (const n of images) {
    const cls = n.spec.autoRebuild ? "image" : "manual";
    const detail = n.spec.autoRebuild ? `after ${n.spec.rebuildDelay}` : "manual";
    lines.push(`  ${imageId.get(n.spec.name)}["${esc(n.spec.name)}<br/>${esc(detail)}"]:::${cls}`);
  }
  // What the change removes is no longer in the estate: drawn alone, struck through.
  const ghosts = [...(marks.removed ?? [])].sort(cmp);
  ghosts.forEach((key, i) => lines.push(`  r${i}["${esc(key.includes("/") || key.includes(":") ? shortBase(key) : key)}<br/>removed"]`));
  for (const n of images) {
    const to = imageId.get(n.spec.name)!;
    const seen = new Set<string>();
    for (const t of n.triggers) {
      const from = t.source.kind === "base" ? baseId.get(t.source.key) : imageId.get(t.source.name);
      if (!from || seen.has(from)) continue;
      seen.add(from);
      lines.push(`  ${from} ${n.spec.autoRebuild ? "-->" : "-.->"} ${to}`);
    }
  }
  lines.push("  classDef base fill:#eef3ff,stroke:#5b7bd5");
  lines.push("  classDef image fill:#effaf0,stroke:#3f9d4c");
  lines.push("  classDef manual fill:#fff6e5,stroke:#c98a1b,stroke-dasharray:4 3");
  const idOf = (key: string) => imageId.get(key) ?? baseId.get(key);
  const marked = (keys: readonly string[] | undefined) => (keys ?? []).map(idOf).filter((id): id is string => id !== undefined);
  const added = marked(marks.added);
  const changed = marked(marks.changed).filter((id) => !added.includes(id));
  if (added.length) lines.push("  classDef added stroke:#1a7f37,stroke-width:3px", `  class ${added.join(",")} added`);
  if (changed.length) lines.push("  classDef changed stroke:#9a6700,stroke-width:3px", `  class ${changed.join(",")} changed`);
  if (ghosts.length) lines.push("  classDef removed fill:#ffebe9,stroke:#cf222e,stroke-dasharray:2 2,color:#cf222e", `  class ${ghosts.map((_, i) => `r${i}`).join(",")} removed`);
  return lines.join("\n");
}

/** Registry of a base key: `docker.io/library/node:22@linux/amd64` → `docker.io`. */
function registryOf(key: string): string {
  return key.split("/")[0];
}

/** Bases grouped by registry → images grouped by source repository, with edge counts. */
export function overview(estate: Estate, maxGroups = 30): string {
  const registries = new Map<string, number>();
  for (const b of estate.bases) registries.set(registryOf(b.key), (registries.get(registryOf(b.key)) ?? 0) + 1);
  const repos = new Map<string, number>();
  const repoOf = (n: Estate["images"][number]) => sourceLabel(n.spec.source).toLowerCase();
  for (const n of estate.images) repos.set(repoOf(n), (repos.get(repoOf(n)) ?? 0) + 1);
  // Past maxGroups, the smallest groups are shown as one "other" group.
  const top = (m: Map<string, number>) => {
    const sorted = [...m.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
    const kept = sorted.slice(0, maxGroups);
    const rest = sorted.slice(maxGroups);
    return { kept: new Set(kept.map(([k]) => k)), groups: rest.length ? [...kept, [`${rest.length} others`, rest.reduce((n, [, c]) => n + c, 0)] as [string, number]] : kept };
  };
  const reg = top(registries);
  const rep = top(repos);
  const regKey = (k: string) => (reg.kept.has(k) ? k : [...reg.groups].pop()![0]);
  const repKey = (k: string) => (rep.kept.has(k) ? k : [...rep.groups].pop()![0]);
  const regId = new Map(reg.groups.map(([k], i) => [k, `g${i}`]));
  const repId = new Map(rep.groups.map(([k], i) => [k, `r${i}`]));
  const lines = ["flowchart LR"];
  for (const [k, n] of reg.groups) lines.push(`  ${regId.get(k)}[["${esc(k)}<br/>${n} base${n === 1 ? "" : "s"}"]]:::base`);
  for (const [k, n] of rep.groups) lines.push(`  ${repId.get(k)}["${esc(k)}<br/>${n} image${n === 1 ? "" : "s"}"]:::image`);
  const edges = new Map<string, number>();
  for (const n of estate.images) {
    const to = repId.get(repKey(repoOf(n)))!;
    const froms = new Set(n.triggers.map((t) => (t.source.kind === "base" ? regId.get(regKey(registryOf(t.source.key))) : undefined)).filter(Boolean));
    for (const from of froms) edges.set(`${from} ${to}`, (edges.get(`${from} ${to}`) ?? 0) + 1);
  }
  for (const [edge, count] of [...edges.entries()].sort((a, b) => cmp(a[0], b[0]))) {
    const [from, to] = edge.split(" ");
    lines.push(`  ${from} -->|${count}| ${to}`);
  }
  lines.push("  classDef base fill:#eef3ff,stroke:#5b7bd5");
  lines.push("  classDef image fill:#effaf0,stroke:#3f9d4c");
  return lines.join("\n");
}

/** `docker.io/library/node:22-bookworm-slim@linux/amd64` → `node:22-bookworm-slim (linux/amd64)`. */
export function shortBase(key: string): string {
  const at = key.lastIndexOf("@");
  const [ref, platform] = at > 0 && key.slice(at + 1).includes("/") ? [key.slice(0, at), key.slice(at + 1)] : [key, undefined];
  const short = ref.replace(/^docker\.io\/library\//, "").replace(/^docker\.io\//, "");
  return platform ? `${short} (${platform})` : short;
}

function esc(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
