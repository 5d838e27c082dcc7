/**
 * How often the Warehouses poll each registry, and what that costs.
 *
 * Every poll of an image subscription is at least one manifest GET, and a manifest GET is
 * what Docker Hub counts as a pull. With a platform set (or a multi-platform tag) Kargo reads
 * the index and then the platform's manifest, so a poll is counted here as 2 requests.
 * Docker Hub allows an authenticated personal account 100 pulls per hour (and anonymous
 * clients 10 per hour per IP); the default budget for docker.io is 50 per hour, half the
 * account's limit, so builds and people sharing the account keep the other half.
 */
import { parseDuration, toGoDuration } from "../config/duration";
import type { Estate } from "../model/types";

/** Manifest requests one poll of one subscription costs (index + platform manifest). */
export const REQUESTS_PER_POLL = 2;

/** Known registry limits, per hour, for the plan's report. */
export const KNOWN_LIMITS: Record<string, { pullsPerHour: number; note: string }> = {
  "docker.io": { pullsPerHour: 100, note: "Docker Hub, authenticated personal account (anonymous: 10 per IP)" },
};

/** Default polling budget per registry, in manifest requests per hour. */
export const DEFAULT_BUDGETS: Record<string, number> = { "docker.io": 50 };

/** Bases move rarely and rebuilds wait days: polling more often than this buys nothing. */
export const BASE_INTERVAL_FLOOR_SECONDS = 3600;
/** The factory's own images: a new version should reach children and updates quickly. */
export const IMAGE_INTERVAL_FLOOR_SECONDS = 600;
/** Kargo's controller does not reconcile a Warehouse more often than this by default. */
const KARGO_MIN_INTERVAL_SECONDS = 300;

export interface RegistrySettings {
  interval?: string;
  pullsPerHour?: number;
}

export interface RegistryPolling {
  registry: string;
  /** Warehouses (image subscriptions) polling this registry. */
  subscriptions: number;
  /** The interval of the registry's subscriptions without an interval of their own. */
  interval: string;
  /** Expected manifest requests per hour from all of them. */
  requestsPerHour: number;
  /** The budget the default interval is computed against, when the registry has one. */
  budget?: number;
  /** The registry's known hard limit, when there is one. */
  limit?: number;
  /** Whether the expected requests exceed the budget (or the limit when no budget is set). */
  overBudget: boolean;
}

interface Subscription {
  registry: string;
  /** A declared interval, overriding the registry's. */
  interval?: string;
  floor: number;
}

function subscriptionsOf(estate: Estate): Subscription[] {
  return [
    ...estate.bases.map((b) => ({ registry: b.registry, interval: b.interval, floor: BASE_INTERVAL_FLOOR_SECONDS })),
    ...estate.images.map((i) => ({ registry: i.spec.registry, floor: IMAGE_INTERVAL_FLOOR_SECONDS })),
  ];
}

/** Rounds up to a whole 5 minutes below an hour, to a whole hour above. */
function roundInterval(seconds: number): number {
  const step = seconds <= 3600 ? 300 : 3600;
  return Math.ceil(seconds / step) * step;
}

/** Per registry: the interval each of its Warehouses polls at, and the requests per hour. */
export function registryPolling(estate: Estate, settings: Record<string, RegistrySettings>): RegistryPolling[] {
  const byRegistry = new Map<string, Subscription[]>();
  for (const s of subscriptionsOf(estate)) byRegistry.set(s.registry, [...(byRegistry.get(s.registry) ?? []), s]);
  const result: RegistryPolling[] = [];
  for (const registry of [...byRegistry.keys()].sort()) {
    const subs = byRegistry.get(registry)!;
    const configured = settings[registry] ?? {};
    const budget = configured.pullsPerHour ?? DEFAULT_BUDGETS[registry];
    const floor = Math.max(KARGO_MIN_INTERVAL_SECONDS, Math.min(...subs.map((s) => s.floor)));
    let seconds: number;
    if (configured.interval) {
      seconds = parseDuration(configured.interval)!;
    } else if (budget) {
      // The shortest interval that keeps every subscription of this registry within budget.
      const needed = (3600 * REQUESTS_PER_POLL * subs.length) / budget;
      seconds = roundInterval(Math.max(floor, needed));
    } else {
      seconds = floor;
    }
    seconds = Math.max(seconds, KARGO_MIN_INTERVAL_SECONDS);
    const requestsPerHour = subs.reduce((sum, s) => {
      const own = s.interval ? Math.max(parseDuration(s.interval)!, KARGO_MIN_INTERVAL_SECONDS) : seconds;
      return sum + (REQUESTS_PER_POLL * 3600) / own;
    }, 0);
    const limit = KNOWN_LIMITS[registry]?.pullsPerHour;
    result.push({
      registry,
      subscriptions: subs.length,
      interval: toGoDuration(seconds),
      requestsPerHour: Math.round(requestsPerHour * 100) / 100,
      budget,
      limit,
      overBudget: requestsPerHour > (budget ?? limit ?? Infinity),
    });
  }
  return result;
}

/** The interval for one subscription: its own, or its registry's. */
export function intervalFor(polling: readonly RegistryPolling[], registry: string, own?: string): string {
  if (own) return toGoDuration(Math.max(parseDuration(own)!, KARGO_MIN_INTERVAL_SECONDS));
  const entry = polling.find((p) => p.registry === registry);
  if (!entry) throw new Error(`no polling computed for registry ${registry}`);
  return entry.interval;
}
