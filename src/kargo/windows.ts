/**
 * Rebuild windows: an automatic rebuild whose delay has elapsed waits, in a step before the
 * dispatch, until the image's `rebuildWindow` is open. Pure.
 *
 * OSS Kargo v1.11 has no wait step. The http step is the one that can wait: when its
 * successExpression is false and it has no failureExpression it returns Running with
 * RetryAfter = pollInterval (akuity/kargo v1.11.2 pkg/promotion/runner/builtin/http_requester.go
 * `run`, the default case), the Promotion is requeued after that interval
 * (pkg/controller/promotions/promotions.go `calculateRequeueInterval`) and the step is sent
 * again, until `retry.timeout` after its start marks it Errored
 * (pkg/promotion/local_orchestrator.go `determineStepCompletion`; the step's `if` is evaluated
 * once, before it starts). The request itself is a GET of GitHub's /rate_limit, which "does
 * not count against your REST API rate limit" (GitHub REST docs, Rate limit); its answer is
 * never read (a 401, 404 or 5xx waits like a 200), so the step sends no credentials.
 *
 * The clock: success and failure expressions are compiled with plain `expr.Compile` (no
 * options, so every expr-lang builtin is there: http_requester.go `evaluateSuccessCriteria`),
 * and expr-lang v1.17.8's `now()` is Go's time.Now(); `.Unix()` is the same in any zone. Time
 * zones are not: Kargo's controller image carries no zone database (akuity/kargo v1.11.2
 * kargo-base.apko.yaml installs no tzdata) and its binary embeds none (no `time/tzdata` import,
 * no `timetzdata` build tag in its Dockerfile), so `timezone("Europe/London")` fails there. The zone's UTC offsets are
 * therefore computed here, from Node's ICU data, as a table of offset changes for fixed years
 * (OFFSET_TABLE_FIRST_YEAR to OFFSET_TABLE_LAST_YEAR, so the output never depends on today),
 * and the expression looks up the offset in force at `now().Unix()` itself.
 *
 * Wall-clock semantics: the window is open while the local time (UTC + the offset in force)
 * is inside it. On the night the clocks go forward the skipped local hour never happens, so a
 * window inside it (01:00–02:00 in Europe/London on the last Sunday of March) does not open
 * that day and one overlapping it is shorter; on the night they go back the repeated hour
 * happens twice, so a window inside it is open twice.
 */
import type { RebuildWindow } from "../config/window";
import { minutesOf, WEEKDAYS, windowMinutes } from "../config/window";
import { kargoDuration } from "./durations";

/** The years whose offset changes the expression carries (UTC years, inclusive). */
export const OFFSET_TABLE_FIRST_YEAR = 2025;
export const OFFSET_TABLE_LAST_YEAR = 2045;
/** After this instant the table's last offset stays in force (a later DST change is not known). */
export const OFFSET_TABLE_END = Date.UTC(OFFSET_TABLE_LAST_YEAR + 1, 0, 1) / 1000;
const OFFSET_TABLE_START = Date.UTC(OFFSET_TABLE_FIRST_YEAR, 0, 1) / 1000;

/** How often the window step looks at the clock (MIN_WINDOW_MINUTES is a few of these). */
export const WINDOW_POLL_INTERVAL = "5m";
/**
 * The longest wait: a weekly window skipped once by a clock change (a window wholly inside the
 * skipped hour) opens after up to two weeks; the timeout is a day more. Past it the step is
 * Errored and the dispatch is skipped (see `windowedDispatchGuard`).
 */
export const WINDOW_RETRY = { timeout: kargoDuration(15 * 24 * 60 * 60), errorThreshold: 500 } as const;

const WEEK = 7 * 86400;
/** 1970-01-01 was a Thursday: seconds since Monday 00:00 of the week are (t + 3 days) % week. */
const MONDAY_SHIFT = 3 * 86400;

/** `[start, offset]`: from Unix second `start`, local time is UTC + `offset` seconds. */
export type OffsetChange = readonly [number, number];

const tables = new Map<string, OffsetChange[]>();

/** The zone's offset at a Unix second, from ICU. */
export function utcOffsetAt(format: Intl.DateTimeFormat, unix: number): number {
  const parts = Object.fromEntries(format.formatToParts(unix * 1000).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) / 1000;
  return local - unix;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
}

/**
 * The zone's offsets over the table's years: the first entry is the offset at the table's
 * start (from 1970 on, so a lookup always finds one), then one entry per change, to the second.
 */
export function offsetTable(timeZone: string): OffsetChange[] {
  const cached = tables.get(timeZone);
  if (cached) return cached;
  const format = formatter(timeZone);
  const table: OffsetChange[] = [[0, utcOffsetAt(format, OFFSET_TABLE_START)]];
  // Sample daily (no zone changes its offset twice in a day in these years), then find the
  // second of each change.
  const step = 86400;
  let previous = table[0][1];
  for (let t = OFFSET_TABLE_START + step; t < OFFSET_TABLE_END + step; t += step) {
    const at = Math.min(t, OFFSET_TABLE_END - 1);
    const offset = utcOffsetAt(format, at);
    if (offset === previous) continue;
    let lo = at - step; // old offset
    let hi = at; // new offset
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (utcOffsetAt(format, mid) === previous) lo = mid;
      else hi = mid;
    }
    table.push([hi, offset]);
    previous = offset;
  }
  tables.set(timeZone, table);
  return table;
}

/** The offset the table gives at a Unix second (the expression's lookup). */
export function offsetFromTable(table: readonly OffsetChange[], unix: number): number {
  let offset = table[0][1];
  for (const [start, o] of table) if (start <= unix) offset = o;
  return offset;
}

/** The window as half-open ranges of seconds since Monday 00:00 local, merged and sorted. */
export function weekRanges(window: Pick<RebuildWindow, "days" | "from" | "to">): Array<[number, number]> {
  const from = minutesOf(window.from)!;
  const length = windowMinutes(from, minutesOf(window.to)!) * 60;
  const raw: Array<[number, number]> = [];
  for (const day of window.days) {
    const start = WEEKDAYS.indexOf(day) * 86400 + from * 60;
    const end = start + length;
    // Sunday night into Monday wraps to the start of the week.
    if (end <= WEEK) raw.push([start, end]);
    else raw.push([start, WEEK], [0, end - WEEK]);
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Whether the window is open at a Unix second: what the step's expression computes. */
export function windowOpenAt(window: RebuildWindow, unix: number): boolean {
  const w = (unix + offsetFromTable(offsetTable(window.timeZone), unix) + MONDAY_SHIFT) % WEEK;
  return weekRanges(window).some(([a, b]) => w >= a && w < b);
}

/**
 * The expr-lang condition "the window is open now". Only numbers the program computed reach
 * it (no user text). Integer arithmetic only: expr-lang's `/` is float division, and `%` on
 * two ints is Go's (vm/runtime `Modulo`); `now().Unix()` is an int64 and an int64 plus an int
 * is an int (vm/runtime `Add`). The offset lookup always finds an entry: the oldest starts at 0.
 */
export function windowExpression(window: RebuildWindow): string {
  const table = offsetTable(window.timeZone);
  // Newest change first, so the first entry that has started is the one in force. Not
  // findLast: in v1.17.8 it leaves a bool on the VM stack per element it walks
  // (compiler/compiler.go `emitLoopBackwards`: OpJumpIfFalse does not pop), so
  // `t + findLast(…)[1]` fails with "invalid operation: bool + int"; `find` walks forwards
  // (`emitLoop`) and leaves nothing.
  const newestFirst = [...table].reverse();
  const offset = table.length === 1 ? String(table[0][1]) : `find([${newestFirst.map(([s, o]) => `[${s}, ${o}]`).join(", ")}], {#[0] <= t})[1]`;
  const ranges = weekRanges(window).map(([a, b]) => `(w >= ${a} && w < ${b})`);
  return `let t = now().Unix(); let w = (t + ${offset} + ${MONDAY_SHIFT}) % ${WEEK}; ${ranges.join(" || ")}`;
}

/** The inside of a `${{ … }}` guard. */
function guardBody(guard: string): string {
  const m = /^\$\{\{ (.*) \}\}$/.exec(guard);
  if (!m) throw new Error(`not a guard expression: ${guard}`);
  return m[1];
}

/**
 * The step before the dispatch. It waits only when the dispatch would run for a Promotion the
 * controller created (an automatic rebuild): a person's Promotion (ctx.meta.promotion.actor
 * set, see DISPATCH_GUARD) dispatches at once, and a first sight dispatches nothing, so
 * neither waits. `dispatchGuard` is the dispatch step's own condition.
 */
export function windowStep(window: RebuildWindow, apiUrl: string, dispatchGuard: string) {
  return {
    uses: "http",
    as: "window",
    if: `\${{ ctx.meta.promotion.actor == "" && (${guardBody(dispatchGuard)}) }}`,
    retry: { ...WINDOW_RETRY },
    config: {
      method: "GET",
      url: `${apiUrl}/rate_limit`,
      headers: [
        { name: "Accept", value: "application/vnd.github+json" },
        { name: "X-GitHub-Api-Version", value: "2022-11-28" },
      ],
      timeout: "30s",
      // The answer is not read: as text it is never parsed, so no body can make the step error.
      responseContentType: "text/plain",
      pollInterval: WINDOW_POLL_INTERVAL,
      successExpression: windowExpression(window),
    },
  };
}

/**
 * The dispatch's condition behind a window step: only after the window step succeeded (the
 * window opened) or was skipped (a manual promotion, a first sight). One that timed out or
 * errored never dispatches outside the window; its Promotion ends Errored, to be re-run by hand.
 */
export function windowedDispatchGuard(dispatchGuard: string): string {
  return `\${{ status('window') in ['Succeeded', 'Skipped'] && (${guardBody(dispatchGuard)}) }}`;
}

/** An instant as a window's zone and UTC show it: `Sat 2026-12-05 01:00 Europe/London (01:00 UTC)`. */
function describeInstant(unix: number, timeZone: string): string {
  const at = (tz: string) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", weekday: "short", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
        .formatToParts(unix * 1000)
        .map((x) => [x.type, x.value]),
    );
    return { day: p.weekday, date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
  };
  const local = at(timeZone);
  const utc = at("UTC");
  const utcText = utc.date === local.date ? `${utc.time} UTC` : `${utc.day} ${utc.time} UTC`;
  return `${local.day} ${local.date} ${local.time} ${timeZone} (${utcText})`;
}

export interface WindowSchedule {
  /** `sat, sun 01:00–05:00 Europe/London`. */
  window: string;
  /** Open at `now`. */
  openNow: boolean;
  /** When it next opens (when closed now); absent when open now, or not within the step's timeout. */
  nextOpen?: string;
  /** When the current opening (open now) or the next one closes. */
  closes?: string;
}

/** The window in one line. */
export function describeWindow(window: RebuildWindow): string {
  const days = [...window.days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)).join(", ");
  const past = minutesOf(window.to)! <= minutesOf(window.from)! ? " (next day)" : "";
  return `${days} ${window.from}–${window.to}${past} ${window.timeZone}`;
}

/** When the window next opens after `now` (Unix seconds), by the step's own arithmetic. */
export function windowSchedule(window: RebuildWindow, now: number): WindowSchedule {
  const openNow = windowOpenAt(window, now);
  // Openings and closings fall on whole minutes: look minute by minute, up to the step's timeout.
  const firstMinute = Math.ceil((now + 1) / 60) * 60;
  const limit = now + 15 * 86400;
  const next = (from: number, open: boolean): number | undefined => {
    for (let t = from; t <= limit; t += 60) if (windowOpenAt(window, t) === open) return t;
    return undefined;
  };
  const opens = openNow ? undefined : next(firstMinute, true);
  const closes = openNow ? next(firstMinute, false) : opens !== undefined ? next(opens + 60, false) : undefined;
  return {
    window: describeWindow(window),
    openNow,
    ...(opens !== undefined ? { nextOpen: describeInstant(opens, window.timeZone) } : {}),
    ...(closes !== undefined ? { closes: describeInstant(closes, window.timeZone) } : {}),
  };
}

/** The last day the offset table knows, for the plan. */
export const OFFSET_TABLE_LAST_DAY = `${OFFSET_TABLE_LAST_YEAR}-12-31`;

export interface WindowPlan extends WindowSchedule {
  image: string;
}

/** Each image's window and when it next opens, sorted by image. */
export function windowPlans(images: ReadonlyArray<{ name: string; rebuildWindow?: RebuildWindow }>, now: number): WindowPlan[] {
  return images
    .flatMap((i) => (i.rebuildWindow ? [{ image: i.name, ...windowSchedule(i.rebuildWindow, now) }] : []))
    .sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
}

/** Within a year of the offset table's end, or past it, the plan says so. */
export function windowWarnings(windows: readonly WindowPlan[], now: number): string[] {
  if (windows.length === 0 || now < OFFSET_TABLE_END - 365 * 86400) return [];
  const when = now >= OFFSET_TABLE_END ? "ended" : "ends";
  return [`rebuild windows: the UTC offsets built into the window steps ${when} with ${OFFSET_TABLE_LAST_DAY}; after it each zone keeps its last offset, so a daylight-saving change moves the windows by its amount: upgrade image-factory`];
}
