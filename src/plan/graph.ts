/**
 * The rebuild graph of an estate (bases → images, managed image → images built FROM it) and
 * what a single base update sets off: which images rebuild, how many build workflows are
 * dispatched in the worst case, and which images wait for a person.
 */
import type { Estate, ImageNode } from "../model/types";

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

export interface MermaidOptions {
  /** Above this many nodes the diagram is not drawn (a PR comment has a size limit). */
  maxNodes?: number;
}

/** The rebuild graph as a Mermaid flowchart, or undefined when it is too large to draw. */
export function mermaid(estate: Estate, opts: MermaidOptions = {}): string | undefined {
  const nodes = estate.bases.length + estate.images.length;
  if (nodes > (opts.maxNodes ?? 80)) return undefined;
  const lines = ["flowchart LR"];
  const baseId = new Map(estate.bases.map((b, i) => [b.key, `b${i}`]));
  const imageId = new Map(estate.images.map((n, i) => [n.spec.name, `i${i}`]));
  for (const b of estate.bases) {
    lines.push(`  ${baseId.get(b.key)}[["${esc(shortBase(b.key))}"]]:::base`);
  }
  for (const n of estate.images) {
    const cls = n.spec.autoRebuild ? "image" : "manual";
    const detail = n.spec.autoRebuild ? `after ${n.spec.rebuildDelay}` : "manual";
    lines.push(`  ${imageId.get(n.spec.name)}["${esc(n.spec.name)}<br/>${esc(detail)}"]:::${cls}`);
  }
  for (const n of estate.images) {
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
