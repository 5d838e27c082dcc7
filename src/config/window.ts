/**
 * `rebuildWindow`: when automatic rebuilds may dispatch, in a named time zone.
 *
 *   rebuildWindow: { days: [sat, sun], from: "01:00", to: "05:00", timeZone: Europe/London }
 *
 * `days` names the days the window opens; a window whose `to` is not after its `from` runs
 * past midnight into the next day (sat 22:00 to sun 04:00 for `days: [sat]`, 22:00–04:00).
 * Times are wall-clock times in `timeZone` (an IANA name, checked against Node's ICU data).
 */
import { z } from "zod";
import { suggest } from "./validate";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/**
 * The shortest window accepted. The window step looks at the clock every few minutes
 * (src/kargo/windows.ts WINDOW_POLL_INTERVAL), so a shorter window could pass unseen.
 */
export const MIN_WINDOW_MINUTES = 30;

/** Minutes after midnight of "HH:MM", or undefined. */
export function minutesOf(time: string): number | undefined {
  const m = TIME.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** The window's length in minutes (a window past midnight wraps). */
export function windowMinutes(from: number, to: number): number {
  return to > from ? to - from : to + 1440 - from;
}

/** The canonical IANA name of a time zone Node's ICU knows, or undefined. */
export function canonicalTimeZone(name: string): string | undefined {
  // Offsets such as "+01:00" are accepted by newer ICUs but are not zones a reader recognises.
  if (!/^[A-Za-z]/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

const time = z.string("must be a time such as \"01:00\" (quote it)").regex(TIME, "must be a 24-hour time HH:MM such as \"01:00\" or \"22:30\"");

export const rebuildWindowSchema = z
  .strictObject({
    /** The days the window opens. */
    days: z
      .array(z.enum(WEEKDAYS, `must be one of ${WEEKDAYS.join(", ")}`))
      .min(1, "must list at least one day")
      .superRefine((days, ctx) => {
        if (new Set(days).size !== days.length) ctx.addIssue({ code: "custom", message: "lists a day twice" });
      }),
    /** Opens at this wall-clock time. */
    from: time,
    /** Closes at this wall-clock time (the next day when it is not after `from`). */
    to: time,
    /** An IANA time zone such as Europe/London, America/New_York or UTC. */
    timeZone: z.string("must be a time zone name such as Europe/London or UTC").superRefine((tz, ctx) => {
      if (canonicalTimeZone(tz) !== undefined) return;
      const hint = suggest(tz, Intl.supportedValuesOf("timeZone"));
      ctx.addIssue({ code: "custom", message: `is not a time zone this program knows (${hint ? `did you mean ${hint}?` : "use an IANA name such as Europe/London, America/New_York or UTC"})` });
    }),
  })
  .superRefine((w, ctx) => {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    if (from === undefined || to === undefined) return;
    if (from === to) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "equals from: a window must close at another time (for a window that runs past midnight, to is the next day's time)" });
    } else if (windowMinutes(from, to) < MIN_WINDOW_MINUTES) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `makes a window of ${windowMinutes(from, to)} minutes; it must be at least ${MIN_WINDOW_MINUTES} (the rebuild checks the clock every few minutes)` });
    }
  });

export type RebuildWindow = z.output<typeof rebuildWindowSchema>;
