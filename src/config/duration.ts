/**
 * Durations as users write them in images.yaml and stack config: one or more
 * `<number><unit>` pairs with units s, m, h, d or w (e.g. `7d`, `36h`, `1d12h`, `0d`).
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export const DURATION_PATTERN = /^(?:\d+[smhdw])+$/;

/** Seconds in a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * UNIT_SECONDS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * A Go duration (Kargo's format: s, m and h only) for a number of seconds, in whole
 * hours where possible: 7d → `168h`, 90m → `1h30m`, 0 → `0s`.
 */
export function toGoDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`not a duration in seconds: ${seconds}`);
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}
