/**
 * How often the Warehouses poll each registry, and what that costs.
 *
 * What a poll costs (Kargo v1.11, pkg/image): each poll fetches the manifest of every tag it
 * examines with a GET, uncached (cacheByTag is off); a new multi-platform digest also costs one
 * GET per platform manifest, once (they are cached by digest until the controller restarts).
 * Every image subscription here examines one tag per poll (Digest follows one tag; the SemVer
 * and Lexical ones set discoveryLimit 1). So a poll is 1 counted manifest GET, plus the rare
 * per-platform fetches: this plan counts 2 requests per poll, an upper bound.
 *
 * Docker Hub counts manifest GETs as pulls. Anonymous clients get 100 pulls per 6 hours per IP
 * address (about 17 per hour, shared with everything else behind that address); an
 * authenticated Personal account gets 200 per 6 hours (about 33 per hour). Kargo polls
 * anonymously unless it has an image credential for the registry, so the default docker.io
 * budget is 60% of the anonymous limit (10 requests per hour), or of the authenticated one
 * (20) when the stack says `authenticated: true`. Paid Docker plans have no pull limit: raise
 * `pullsPerHour`.
 */
import { type BuildRole, followedImages } from "./followed";
import { parseDuration, toGoDuration } from "../config/duration";
import type { Estate } from "../model/types";
import { kargoDuration } from "./durations";

/** Counted manifest requests per poll of one subscription (one tag, plus headroom for new digests). */
export const REQUESTS_PER_POLL = 2;

export interface KnownLimit {
  pullsPerHour: number;
  note: string;
}

/** Known hard registry limits per hour, for anonymous and for authenticated polling. */
export const KNOWN_LIMITS: Record<string, { anonymous: KnownLimit; authenticated: KnownLimit }> = {
  "docker.io": {
    anonymous: { pullsPerHour: 100 / 6, note: "Docker Hub, anonymous: 100 pulls per 6 hours per IP address, shared with everything behind it" },
    authenticated: { pullsPerHour: 200 / 6, note: "Docker Hub, authenticated Personal account: 200 pulls per 6 hours" },
  },
};

/** Default polling budgets per registry, in counted manifest requests per hour: 60% of the known limit. */
export const DEFAULT_BUDGETS: Record<string, { anonymous: number; authenticated: number }> = { "docker.io": { anonymous: 10, authenticated: 20 } };

/** The known limit of a registry, polled with or without credentials. */
export function knownLimit(registry: string, authenticated: boolean): KnownLimit | undefined {
  const limits = KNOWN_LIMITS[registry];
  return limits && (authenticated ? limits.authenticated : limits.anonymous);
}

/** Bases move rarely and rebuilds wait days: polling more often than this buys nothing. */
export const BASE_INTERVAL_FLOOR_SECONDS = 3600;
/** The factory's own images: a new version should reach children and updates quickly. */
export const IMAGE_INTERVAL_FLOOR_SECONDS = 600;
/** Kargo's controller does not reconcile a Warehouse more often than this by default. */
export const KARGO_MIN_INTERVAL_SECONDS = 300;

export interface RegistrySettings {
  interval?: string;
  pullsPerHour?: number;
  authenticated?: boolean;
  /** The stack logs Kargo in as this user (see secrets.ts), so polling is authenticated. */
  username?: string;
}

export interface RegistryPolling {
  registry: string;
  /** Warehouses (image subscriptions) polling this registry. */
  subscriptions: number;
  /** The interval of the registry's subscriptions without an interval of their own (e.g. `1h`). */
  interval: string;
  /** The same, in seconds. */
  intervalSeconds: number;
  /** Distinct intervals of the Warehouses that declare their own (e.g. a base's `interval: 12h`), sorted. */
  ownIntervals: string[];
  /** How many Warehouses poll at the registry's interval rather than their own. */
  atRegistryInterval: number;
  /** Expected counted manifest requests per hour from all of them. */
  requestsPerHour: number;
  /** The budget the default interval is computed against, when the registry has one. */
  budget?: number;
  /** The registry's known hard limit per hour, when there is one. */
  limit?: number;
  /** Whether the stack says Kargo polls this registry with credentials. */
  authenticated: boolean;
  /** Whether the expected requests exceed the budget (or the limit when no budget is set). */
  overBudget: boolean;
}

interface Subscription {
  registry: string;
  /** A declared interval, overriding the registry's. */
  interval?: string;
  floor: number;
}

function subscriptionsOf(estate: Estate, followed: ReadonlySet<string>): Subscription[] {
  return [
    ...estate.bases.map((b) => ({ registry: b.registry, interval: b.interval, floor: BASE_INTERVAL_FLOOR_SECONDS })),
    ...estate.images.filter((i) => followed.has(i.spec.name)).map((i) => ({ registry: i.spec.registry, floor: IMAGE_INTERVAL_FLOOR_SECONDS })),
  ];
}

/** Rounds up to a whole 5 minutes below an hour, to a whole hour above. */
function roundInterval(seconds: number): number {
  const step = seconds <= 3600 ? 300 : 3600;
  return Math.ceil(seconds / step) * step;
}

function ownSeconds(interval: string): number {
  const seconds = parseDuration(interval);
  if (seconds === undefined) throw new Error(`not a duration: ${interval}`);
  return Math.max(seconds, KARGO_MIN_INTERVAL_SECONDS);
}

/**
 * Per registry: the interval its Warehouses poll at and the requests per hour that costs.
 *
 *   interval = max(floor, REQUESTS_PER_POLL × Warehouses on the registry × 1h / budget)
 *
 * rounded up to 5 minutes (below an hour) or to the hour. Bases with an interval of their own
 * keep it and are counted in the expected requests, not in the formula.
 */
export function registryPolling(estate: Estate, settings: Record<string, RegistrySettings>, role: BuildRole = "owner"): RegistryPolling[] {
  const byRegistry = new Map<string, Subscription[]>();
  for (const s of subscriptionsOf(estate, followedImages(estate, role))) byRegistry.set(s.registry, [...(byRegistry.get(s.registry) ?? []), s]);
  const result: RegistryPolling[] = [];
  for (const registry of [...byRegistry.keys()].sort()) {
    const subs = byRegistry.get(registry)!;
    const configured = settings[registry] ?? {};
    const authenticated = configured.authenticated ?? configured.username !== undefined;
    const defaults = DEFAULT_BUDGETS[registry];
    const budget = configured.pullsPerHour ?? (defaults && (authenticated ? defaults.authenticated : defaults.anonymous));
    const floor = Math.max(KARGO_MIN_INTERVAL_SECONDS, Math.min(...subs.map((s) => s.floor)));
    const own = subs.filter((s) => s.interval !== undefined);
    const shared = subs.length - own.length;
    const ownRequests = own.reduce((sum, s) => sum + (REQUESTS_PER_POLL * 3600) / ownSeconds(s.interval!), 0);
    let seconds: number;
    if (configured.interval) {
      seconds = ownSeconds(configured.interval);
    } else if (budget !== undefined && shared > 0) {
      // What is left of the budget after the bases that set their own interval.
      const left = budget - ownRequests;
      const needed = left > 0 ? (3600 * REQUESTS_PER_POLL * shared) / left : Infinity;
      // With nothing left, poll daily and report it over budget rather than never.
      seconds = Number.isFinite(needed) ? roundInterval(Math.max(floor, needed)) : Math.max(floor, 86400);
    } else {
      seconds = floor;
    }
    const requestsPerHour = ownRequests + (shared * REQUESTS_PER_POLL * 3600) / seconds;
    const limit = knownLimit(registry, authenticated)?.pullsPerHour;
    result.push({
      registry,
      subscriptions: subs.length,
      interval: toGoDuration(seconds),
      intervalSeconds: seconds,
      ownIntervals: [...new Set(own.map((s) => ownSeconds(s.interval!)))].sort((a, b) => a - b).map(toGoDuration),
      atRegistryInterval: shared,
      requestsPerHour: Math.round(requestsPerHour * 100) / 100,
      budget,
      limit: limit === undefined ? undefined : Math.round(limit * 100) / 100,
      authenticated,
      overBudget: requestsPerHour > (budget ?? limit ?? Infinity) + 1e-9,
    });
  }
  return result;
}

/** A Warehouse's `interval`, as Kargo stores it: its own (at least Kargo's minimum), or its registry's. */
export function intervalFor(polling: readonly RegistryPolling[], registry: string, own?: string): string {
  if (own) return kargoDuration(ownSeconds(own));
  const entry = polling.find((p) => p.registry === registry);
  if (!entry) throw new Error(`no polling computed for registry ${registry}`);
  return kargoDuration(entry.intervalSeconds);
}
