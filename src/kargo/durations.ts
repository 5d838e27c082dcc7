/**
 * Durations as Kargo stores them.
 *
 * Warehouse `interval`, `requiredSoakTime` and step `retry.timeout` are Go `metav1.Duration`s.
 * Kargo's defaulting webhooks decode every Warehouse and Stage and write it back re-encoded,
 * and a `metav1.Duration` encodes as Go's `time.Duration.String()`: `168h` is stored as
 * `168h0m0s`, `5m` as `5m0s`. Writing that form ourselves keeps what Pulumi (or Argo CD)
 * applies equal to what the cluster holds, so neither reports drift forever.
 */
import { parseDuration, toGoDuration } from "../config/duration";

/** Go's `time.Duration.String()` for whole seconds: 7d → `168h0m0s`, 90s → `1m30s`, 0 → `0s`. */
export function kargoDuration(seconds: number): string {
  // toGoDuration validates and writes days as hours; only the omitted zero units differ.
  const short = toGoDuration(seconds);
  if (seconds < 60) return short;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

/** A user duration (`7d`, `12h`, `1d12h`) as Kargo stores it. */
export function kargoDurationOf(text: string): string {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new Error(`not a duration: ${text}`);
  return kargoDuration(seconds);
}
