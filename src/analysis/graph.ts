/**
 * The rebuild graph's ordering: managed images form a DAG (an image built FROM another managed
 * image rebuilds after its parent publishes). Rebuilds must run parents first; a cycle would
 * rebuild forever, so it is an error that names the images on it.
 */

export type OrderResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Kahn's algorithm with the ready set kept sorted, so the order is deterministic: parents
 * before children, ties broken by name (code-unit order). `edges` are [parent, child] pairs.
 */
export function topologicalOrder(names: readonly string[], edges: ReadonlyArray<readonly [string, string]>): OrderResult {
  const children = new Map<string, Set<string>>();
  const indegree = new Map<string, number>();
  for (const name of names) {
    children.set(name, new Set());
    indegree.set(name, 0);
  }
  for (const [parent, child] of edges) {
    const set = children.get(parent);
    if (!set || !indegree.has(child) || set.has(child)) continue;
    set.add(child);
    indegree.set(child, (indegree.get(child) as number) + 1);
  }
  const ready = names.filter((n) => indegree.get(n) === 0).sort(byCodeUnit);
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift() as string;
    order.push(next);
    for (const child of children.get(next) as Set<string>) {
      const d = (indegree.get(child) as number) - 1;
      indegree.set(child, d);
      if (d === 0) insertSorted(ready, child);
    }
  }
  if (order.length === names.length) return { ok: true, order };
  return { ok: false, cycle: findCycle(names.filter((n) => (indegree.get(n) as number) > 0), children) };
}

/** One cycle among the nodes Kahn's algorithm could not order, as a closed path parent → child. */
function findCycle(remaining: string[], children: Map<string, Set<string>>): string[] {
  const inRemaining = new Set(remaining);
  const parents = new Map<string, string[]>();
  for (const [parent, set] of children) {
    if (!inRemaining.has(parent)) continue;
    for (const child of set) if (inRemaining.has(child)) parents.set(child, [...(parents.get(child) ?? []), parent]);
  }
  // Every unordered node still has an unordered parent, so walking up parents must revisit one.
  const seenAt = new Map<string, number>();
  const path: string[] = [];
  let node = [...remaining].sort(byCodeUnit)[0];
  while (!seenAt.has(node)) {
    seenAt.set(node, path.length);
    path.push(node);
    node = [...(parents.get(node) as string[])].sort(byCodeUnit)[0];
  }
  const cycle = path.slice(seenAt.get(node)).reverse();
  // Start at the smallest name, so the same cycle is always reported the same way.
  const first = cycle.indexOf([...cycle].sort(byCodeUnit)[0]);
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0]];
}

function insertSorted(list: string[], value: string): void {
  let i = 0;
  while (i < list.length && list[i] < value) i++;
  list.splice(i, 0, value);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Everything that rebuilds, in order, when `start` moves: the direct dependents, then theirs.
 * `dependents` maps a node (a base key or an image name) to the images that rebuild on it.
 */
export function rebuildCascade(start: string, dependents: (node: string) => readonly string[], order: readonly string[]): string[] {
  const reached = new Set<string>();
  const queue = [...dependents(start)];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (reached.has(name)) continue;
    reached.add(name);
    queue.push(...dependents(name));
  }
  return order.filter((name) => reached.has(name));
}
