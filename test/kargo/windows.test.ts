// Rebuild windows as Kargo v1.11.2 would run them: the window step's successExpression
// evaluated (test/helpers/kargo-expr.ts, with `now()` at a chosen instant) at many instants,
// against the wall clock as Node's ICU data gives it, across daylight-saving changes, plus the
// step guards that let a person's promotion and a first sight through at once.
//
// The step waits because an http step whose successExpression is false and which has no
// failureExpression returns Running with RetryAfter = pollInterval (akuity/kargo v1.11.2
// pkg/promotion/runner/builtin/http_requester.go `run`, default case), and is sent again until
// retry.timeout after it started (pkg/promotion/local_orchestrator.go `determineStepCompletion`).
import { describe, expect, it } from "vitest";
import type { RebuildWindow } from "../../src/config/window";
import { planKargo } from "../../src/kargo";
import { DISPATCH_GUARD } from "../../src/kargo/objects";
import {
  OFFSET_TABLE_END,
  offsetTable,
  WINDOW_RETRY,
  windowExpression,
  windowOpenAt,
  windowSchedule,
  weekRanges,
} from "../../src/kargo/windows";
import { clockEnv, evaluateConfig, evaluateExpression, evaluateTemplate, promotionEnv, responseEnv } from "../helpers/kargo-expr";
import { find, handEstate } from "./fixtures";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** The wall clock in `timeZone` at a Unix second, from ICU: weekday (mon = 0) and seconds of the day. */
const formats = new Map<string, Intl.DateTimeFormat>();
function wallClock(unix: number, timeZone: string): { day: number; second: number; text: string } {
  if (!formats.has(timeZone)) {
    formats.set(timeZone, new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", weekday: "short", hour: "numeric", minute: "numeric", second: "numeric", year: "numeric", month: "2-digit", day: "2-digit" }));
  }
  const p = Object.fromEntries(formats.get(timeZone)!.formatToParts(unix * 1000).map((x) => [x.type, x.value]));
  const day = DAYS.indexOf(p.weekday.toLowerCase().slice(0, 3));
  return { day, second: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second), text: `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}` };
}

/** Whether the window is open by the wall clock: the independent oracle. */
function openByWallClock(w: RebuildWindow, unix: number): boolean {
  const { day, second } = wallClock(unix, w.timeZone);
  const [fh, fm] = w.from.split(":").map(Number);
  const [th, tm] = w.to.split(":").map(Number);
  const from = fh * 3600 + fm * 60;
  const to = th * 3600 + tm * 60;
  const days = w.days.map((d) => DAYS.indexOf(d));
  if (to > from) return days.includes(day) && second >= from && second < to;
  // Past midnight: the evening of a listed day, or the early hours of the day after one.
  return (days.includes(day) && second >= from) || (days.includes((day + 6) % 7) && second < to);
}

/** The successExpression evaluated at a Unix second, in the http step's env (any response). */
function stepSays(expression: string, unix: number): boolean {
  return evaluateExpression(expression, { ...responseEnv(200), ...clockEnv(unix) }) as boolean;
}

const utc = (text: string) => Date.parse(`${text}Z`) / 1000;

const LONDON: RebuildWindow = { days: ["sat", "sun"], from: "01:00", to: "05:00", timeZone: "Europe/London" };
const LONDON_SKIPPED_HOUR: RebuildWindow = { days: ["sun"], from: "01:00", to: "02:00", timeZone: "Europe/London" };
const NEW_YORK_NIGHT: RebuildWindow = { days: ["sun"], from: "22:00", to: "04:00", timeZone: "America/New_York" };
const SYDNEY: RebuildWindow = { days: ["sun"], from: "02:00", to: "03:30", timeZone: "Australia/Sydney" };
const KOLKATA_WEEKNIGHTS: RebuildWindow = { days: ["mon", "tue", "wed", "thu", "fri"], from: "20:00", to: "06:00", timeZone: "Asia/Kolkata" };

/** Every `step` seconds from `start` for `days` days, plus one second either side of each window edge. */
function instants(w: RebuildWindow, start: number, days: number, step = 600): number[] {
  const out: number[] = [];
  for (let t = start; t < start + days * 86400; t += step) out.push(t);
  // The edges, as the expression sees them: every change of the oracle's answer, to the second.
  for (let t = start; t < start + days * 86400; t += 60) {
    if (openByWallClock(w, t) !== openByWallClock(w, t + 60)) {
      for (let s = t; s <= t + 60; s++) if (openByWallClock(w, s) !== openByWallClock(w, s + 1)) out.push(s - 1, s, s + 1, s + 2);
    }
  }
  return out;
}

describe("the window expression agrees with the wall clock", () => {
  const cases: Array<[string, RebuildWindow, string, number]> = [
    ["Europe/London across spring forward (2026-03-29)", LONDON, "2026-03-25T00:00:00", 8],
    ["Europe/London across fall back (2026-10-25)", LONDON, "2026-10-21T00:00:00", 8],
    ["Europe/London, a window inside the skipped hour, spring 2027 (2027-03-28)", LONDON_SKIPPED_HOUR, "2027-03-20T00:00:00", 15],
    ["Europe/London, a window inside the repeated hour, autumn 2027 (2027-10-31)", LONDON_SKIPPED_HOUR, "2027-10-27T00:00:00", 8],
    ["America/New_York past midnight across spring forward (2026-03-08)", NEW_YORK_NIGHT, "2026-03-04T00:00:00", 8],
    ["America/New_York past midnight across fall back (2026-11-01)", NEW_YORK_NIGHT, "2026-10-28T00:00:00", 8],
    ["Australia/Sydney (southern) across the end of DST (2026-04-05)", SYDNEY, "2026-04-01T00:00:00", 8],
    ["Australia/Sydney (southern) across the start of DST (2026-10-04)", SYDNEY, "2026-09-30T00:00:00", 8],
    ["Asia/Kolkata (no DST, +05:30) weeknights past midnight", KOLKATA_WEEKNIGHTS, "2026-06-01T00:00:00", 8],
    ["Europe/London in the table's last year (2045)", LONDON, "2045-10-25T00:00:00", 8],
  ];
  for (const [name, w, start, days] of cases) {
    it(name, () => {
      const expression = windowExpression(w);
      const wrong: string[] = [];
      for (const t of instants(w, utc(start), days)) {
        const want = openByWallClock(w, t);
        if (stepSays(expression, t) !== want || windowOpenAt(w, t) !== want) wrong.push(`${wallClock(t, w.timeZone).text} (${t}): want ${want}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("what the window does on the nights the clocks change", () => {
  it("Europe/London sat/sun 01:00–05:00: on the spring-forward Sunday it opens at 02:00 BST (01:00 UTC) and lasts three hours", () => {
    const e = windowExpression(LONDON);
    expect(stepSays(e, utc("2026-03-29T00:59:59"))).toBe(false); // 00:59:59 GMT
    expect(stepSays(e, utc("2026-03-29T01:00:00"))).toBe(true); // 02:00:00 BST
    expect(stepSays(e, utc("2026-03-29T03:59:59"))).toBe(true); // 04:59:59 BST
    expect(stepSays(e, utc("2026-03-29T04:00:00"))).toBe(false); // 05:00 BST
    // The Saturday before, still GMT: 01:00–05:00 UTC.
    expect(stepSays(e, utc("2026-03-28T01:00:00"))).toBe(true);
    expect(stepSays(e, utc("2026-03-28T04:59:59"))).toBe(true);
  });

  it("Europe/London sat/sun 01:00–05:00: on the fall-back Sunday it lasts five hours (01:00 BST to 05:00 GMT)", () => {
    const e = windowExpression(LONDON);
    expect(stepSays(e, utc("2026-10-24T23:59:59"))).toBe(false);
    expect(stepSays(e, utc("2026-10-25T00:00:00"))).toBe(true); // 01:00 BST
    expect(stepSays(e, utc("2026-10-25T04:59:59"))).toBe(true); // 04:59:59 GMT
    expect(stepSays(e, utc("2026-10-25T05:00:00"))).toBe(false);
  });

  it("a window wholly inside the skipped hour (sun 01:00–02:00 London) does not open that Sunday; it opens twice on the fall-back Sunday", () => {
    const e = windowExpression(LONDON_SKIPPED_HOUR);
    const openMinutes = (from: string) => {
      let n = 0;
      for (let t = utc(from); t < utc(from) + 86400; t += 60) if (stepSays(e, t)) n++;
      return n;
    };
    expect(openMinutes("2026-03-22T00:00:00")).toBe(60); // an ordinary Sunday
    expect(openMinutes("2026-03-29T00:00:00")).toBe(0); // 01:00 GMT is 02:00 BST
    expect(openMinutes("2026-10-25T00:00:00")).toBe(120); // 01:00–02:00 BST, then 01:00–02:00 GMT
    // The wait is then the longest: from just after the previous Sunday's window to the next one.
    const s = windowSchedule(LONDON_SKIPPED_HOUR, utc("2026-03-22T02:00:00"));
    expect(s.nextOpen).toBe("Sun 2026-04-05 01:00 Europe/London (00:00 UTC)");
  });

  it("sun 22:00 to 04:00 New York: days names the evening it opens; the night the clocks go forward lasts five hours", () => {
    const e = windowExpression(NEW_YORK_NIGHT);
    // Sunday 2026-03-08 22:00 EDT = Monday 02:00 UTC, to Monday 04:00 EDT = 08:00 UTC.
    expect(stepSays(e, utc("2026-03-09T01:59:59"))).toBe(false);
    expect(stepSays(e, utc("2026-03-09T02:00:00"))).toBe(true);
    expect(stepSays(e, utc("2026-03-09T07:59:59"))).toBe(true);
    expect(stepSays(e, utc("2026-03-09T08:00:00"))).toBe(false);
    // A Saturday evening is not a Sunday evening.
    expect(stepSays(e, utc("2026-03-08T03:00:00"))).toBe(false); // Sat 22:00 EST
    // The Sunday the clocks go forward: 22:00 EST (03:00 UTC) of the Sunday before is still EST.
    expect(stepSays(e, utc("2026-03-02T03:00:00"))).toBe(true);
  });
});

describe("the expression", () => {
  it("uses only numbers the program computed: no zone name, day or time from images.yaml", () => {
    const e = windowExpression(LONDON);
    expect(e).not.toMatch(/London|sat|sun|01:00/);
    expect(e).toMatch(/^let t = now\(\)\.Unix\(\); let w = \(t \+ find\(\[\[\d+, -?\d+\](, \[\d+, -?\d+\])*\], \{#\[0\] <= t\}\)\[1\] \+ 259200\) % 604800; /);
  });

  it("avoids expr-lang v1.17.8's findLast (it leaves a bool per element on the VM stack) and `/` (float division)", () => {
    const e = windowExpression(NEW_YORK_NIGHT);
    expect(e).not.toContain("findLast");
    expect(e).not.toContain("/");
  });

  it("a zone without offset changes needs no table", () => {
    expect(windowExpression({ days: ["sat"], from: "01:00", to: "05:00", timeZone: "UTC" })).toBe(
      "let t = now().Unix(); let w = (t + 0 + 259200) % 604800; (w >= 435600 && w < 450000)",
    );
    expect(windowExpression(KOLKATA_WEEKNIGHTS)).toContain("(t + 19800 + 259200)");
  });

  it("carries the offset changes of 2025 to 2045 exactly, whatever today is", () => {
    const table = offsetTable("Europe/London");
    expect(table[0]).toEqual([0, 0]);
    expect(table[1]).toEqual([utc("2025-03-30T01:00:00"), 3600]);
    expect(table[table.length - 1]).toEqual([utc("2045-10-29T01:00:00"), 0]);
    expect(table).toHaveLength(1 + 2 * 21);
    expect(OFFSET_TABLE_END).toBe(utc("2046-01-01T00:00:00"));
    // Southern hemisphere: Sydney starts 2025 in summer time (+11).
    expect(offsetTable("Australia/Sydney")[0]).toEqual([0, 39600]);
  });

  it("merges the days of a window into week ranges, wrapping Sunday night into Monday", () => {
    expect(weekRanges({ days: ["sun"], from: "22:00", to: "04:00" })).toEqual([
      [0, 4 * 3600],
      [6 * 86400 + 22 * 3600, 7 * 86400],
    ]);
    // Sorted by the week, whatever order days lists them in.
    expect(weekRanges({ days: ["sat", "mon"], from: "01:00", to: "05:00" })).toEqual([
      [3600, 5 * 3600],
      [5 * 86400 + 3600, 5 * 86400 + 5 * 3600],
    ]);
  });
});

describe("the rebuild Stage of an image with a window", () => {
  const estate = handEstate();
  const uv = estate.images.find((i) => i.spec.name === "uv")!;
  uv.spec = { ...uv.spec, rebuildWindow: LONDON };
  const { objects } = planKargo(estate, { project: "image-factory" });
  type Step = { uses: string; as: string; if?: string; retry?: { timeout: string; errorThreshold: number }; config: Record<string, any> };
  const steps = (stage: string): Step[] => find(objects, "Stage", stage).spec.promotionTemplate.spec.steps;
  const [window, dispatch] = steps("rebuild-uv");
  const PYTHON_WH = "base-python-3-12-slim";

  const env = (opts: { actor?: string; seen?: boolean; outputs?: Record<string, unknown>; window?: string } = {}) =>
    promotionEnv({
      stage: "rebuild-uv",
      collection: {},
      target: PYTHON_WH,
      actor: opts.actor ?? "",
      stageMetadata: opts.seen === false ? null : { [`seen-${PYTHON_WH}`]: "f0" },
      outputs: opts.outputs,
      stepStatus: opts.window ? { window: opts.window } : {},
    });

  it("puts the window step first, and only in Stages of images with a window", () => {
    expect(steps("rebuild-uv").map((s) => s.as)).toEqual(["window", "dispatch", "seen", "build"]);
    expect(steps("rebuild-python-base").map((s) => s.as)).toEqual(["dispatch", "seen", "build"]);
    expect(find(objects, "Stage", "rebuild-python-base").spec.promotionTemplate.spec.steps[0].if).toBe(DISPATCH_GUARD);
  });

  it("polls GitHub's /rate_limit (free of the REST rate limit) every 5 minutes, sends no credentials and never parses the answer", () => {
    expect(window.uses).toBe("http");
    expect(window.config).toMatchObject({ method: "GET", url: "https://api.github.com/rate_limit", pollInterval: "5m", responseContentType: "text/plain", timeout: "30s" });
    expect(JSON.stringify(window)).not.toMatch(/secret\(|Authorization/);
    // No failureExpression: false success means Running, polled again (http_requester.go `run`).
    expect(window.config.failureExpression).toBeUndefined();
    expect(window.config.successExpression).toBe(windowExpression(LONDON));
  });

  it("gives up only after more than two weeks: a weekly window that a clock change skips once still opens before the timeout", () => {
    expect(window.retry).toEqual(WINDOW_RETRY);
    expect(window.retry!.timeout).toBe("360h0m0s");
  });

  it("waits whatever GitHub answers: a 401, 404, 500 or an empty body only changes nothing", () => {
    const e = window.config.successExpression;
    const saturday2am = utc("2026-12-05T02:00:00");
    for (const status of [200, 401, 404, 500]) {
      expect(evaluateExpression(e, { ...responseEnv(status, "text"), ...clockEnv(saturday2am) })).toBe(true);
      expect(evaluateExpression(e, { ...responseEnv(status), ...clockEnv(saturday2am + 4 * 3600) })).toBe(false);
    }
  });

  it("waits for an automatic rebuild the dispatch would send", () => {
    expect(evaluateTemplate(window.if!, env())).toBe(true);
  });

  it("does not wait for a person's promotion, which dispatches at once", () => {
    expect(evaluateTemplate(window.if!, env({ actor: "alice@acme.example" }))).toBe(false);
    expect(evaluateTemplate(dispatch.if!, env({ actor: "alice@acme.example", window: "Skipped" }))).toBe(true);
    // Even a first sight: a person's promotion always dispatches.
    expect(evaluateTemplate(dispatch.if!, env({ actor: "alice@acme.example", seen: false, window: "Skipped" }))).toBe(true);
  });

  it("does not wait on a first sight (a baseline dispatches nothing) nor after a restart that already dispatched", () => {
    expect(evaluateTemplate(window.if!, env({ seen: false }))).toBe(false);
    expect(evaluateTemplate(dispatch.if!, env({ seen: false, window: "Skipped" }))).toBe(false);
    const restarted = { outputs: { dispatch: { runId: "17180000000", runUrl: "https://github.com/acme/platform/actions/runs/17180000000" } } };
    expect(evaluateTemplate(window.if!, env(restarted))).toBe(false);
    expect(evaluateTemplate(dispatch.if!, env({ ...restarted, window: "Skipped" }))).toBe(false);
  });

  it("dispatches once the window step succeeded, and never after it timed out or errored", () => {
    expect(evaluateTemplate(dispatch.if!, env({ window: "Succeeded" }))).toBe(true);
    expect(evaluateTemplate(dispatch.if!, env({ window: "Errored" }))).toBe(false);
    expect(evaluateTemplate(dispatch.if!, env({ window: "Failed" }))).toBe(false);
  });
});

describe("when the window next opens (plan)", () => {
  it("counts from the given instant, in the window's zone and in UTC", () => {
    // Tuesday 2026-12-01 19:00 UTC: next Saturday 01:00 GMT.
    expect(windowSchedule(LONDON, utc("2026-12-01T19:00:00"))).toEqual({
      window: "sat, sun 01:00–05:00 Europe/London",
      openNow: false,
      nextOpen: "Sat 2026-12-05 01:00 Europe/London (01:00 UTC)",
      closes: "Sat 2026-12-05 05:00 Europe/London (05:00 UTC)",
    });
    // In summer time the same window is an hour earlier in UTC.
    expect(windowSchedule(LONDON, utc("2026-06-02T12:00:00")).nextOpen).toBe("Sat 2026-06-06 01:00 Europe/London (00:00 UTC)");
  });

  it("says when an open window closes, and a window past midnight closes the next day", () => {
    expect(windowSchedule(LONDON, utc("2026-12-05T02:30:30"))).toEqual({
      window: "sat, sun 01:00–05:00 Europe/London",
      openNow: true,
      closes: "Sat 2026-12-05 05:00 Europe/London (05:00 UTC)",
    });
    expect(windowSchedule(NEW_YORK_NIGHT, utc("2026-12-01T19:00:00"))).toEqual({
      window: "sun 22:00–04:00 (next day) America/New_York",
      openNow: false,
      nextOpen: "Sun 2026-12-06 22:00 America/New_York (Mon 03:00 UTC)",
      closes: "Mon 2026-12-07 04:00 America/New_York (09:00 UTC)",
    });
  });
});

describe("a rebuild window with notifications", () => {
  const estate = handEstate();
  const uv = estate.images.find((i) => i.spec.name === "uv")!;
  uv.spec = { ...uv.spec, rebuildWindow: LONDON };
  const { objects } = planKargo(estate, {
    project: "image-factory",
    factoryRepo: "acme/image-factory",
    notifications: { stack: "prod", events: ["dispatched", "built", "failed"], factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" },
  });
  const steps: Array<{ as: string; if?: string; config: Record<string, any> }> = find(objects, "Stage", "rebuild-uv").spec.promotionTemplate.spec.steps;
  const byAlias = (alias: string) => steps.find((s) => s.as === alias)!;
  const PYTHON_WH = "base-python-3-12-slim";
  const env = (stepStatus: Record<string, string>) =>
    promotionEnv({
      stage: "rebuild-uv",
      collection: { [PYTHON_WH]: [{ RepoURL: "docker.io/library/python", Tag: "3.12-slim", Digest: "sha256:" + "2".repeat(64) }] },
      target: PYTHON_WH,
      stepStatus,
      continueOnError: ["moved", "notify-dispatched", "notify"],
      outputs: { moved: { from: "a", to: "b" } },
      stageMetadata: { [`seen-${PYTHON_WH}`]: "f0" },
      secrets: { "github-credentials": { password: "t0ken" } },
    });

  it("waits after recording the moved base and before the dispatch; the dispatched notification follows the dispatch", () => {
    expect(steps.map((s) => s.as)).toEqual(["moved", "window", "dispatch", "seen", "notify-dispatched", "build", "notify"]);
  });

  it("tells a wait that timed out as a failed rebuild, with the reason, and sends no dispatched notification", () => {
    const e = env({ moved: "Succeeded", window: "Errored", dispatch: "Skipped", seen: "Succeeded", build: "Skipped" });
    expect(evaluateTemplate(byAlias("notify-dispatched").if!, e)).toBe(false);
    expect(evaluateTemplate(byAlias("notify").if!, e)).toBe(true);
    const body = JSON.parse((evaluateConfig(byAlias("notify").config, e) as { body: string }).body) as { inputs: { text: string } };
    expect(body.inputs.text).toContain("rebuild FAILED: the rebuild window did not open before the wait timed out");
  });

  it("a rebuild that waited and then built is told as built", () => {
    const e = env({ moved: "Succeeded", window: "Succeeded", dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Succeeded", build: "Succeeded" });
    expect(evaluateTemplate(byAlias("notify").if!, e)).toBe(true);
  });
});
