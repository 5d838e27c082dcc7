// rebuildWindow in images.yaml and in a stack overlay: what is accepted, each mistake's error
// (file, line, image, field), and how an overlay's default and override reach the images.
import { describe, expect, it } from "vitest";
import { parseImagesText } from "../../src/config/images";
import { applyOverlay, parseOverlayText } from "../../src/config/overlay";
import { problemsOf } from "../helpers/problems";

const image = (window: string) => `- name: uv\n  repository: acme/uv\n  source: { repo: acme/platform }\n  rebuildWindow: ${window}\n`;
const ok = `{ days: [sat, sun], from: "01:00", to: "05:00", timeZone: Europe/London }`;

describe("rebuildWindow in images.yaml", () => {
  it("is optional, and kept as written when valid", () => {
    expect(parseImagesText(image(ok), "images.yaml").images[0].rebuildWindow).toEqual({ days: ["sat", "sun"], from: "01:00", to: "05:00", timeZone: "Europe/London" });
    expect(parseImagesText("- name: uv\n  repository: acme/uv\n  source: { repo: acme/platform }\n", "images.yaml").images[0].rebuildWindow).toBeUndefined();
  });

  it("takes a window past midnight (to before from) and any zone ICU knows, UTC included", () => {
    for (const w of [
      `{ days: [fri], from: "22:00", to: "04:00", timeZone: America/New_York }`,
      `{ days: [mon, tue, wed, thu, fri], from: "20:00", to: "06:00", timeZone: Asia/Kolkata }`,
      `{ days: [sun], from: "00:00", to: "23:59", timeZone: UTC }`,
      `{ days: [sat], from: "02:00", to: "02:30", timeZone: Australia/Sydney }`,
    ]) {
      expect(() => parseImagesText(image(w), "images.yaml")).not.toThrow();
    }
  });

  const cases: Array<[string, string, string]> = [
    ["an unknown day", `{ days: [sat, sunday], from: "01:00", to: "05:00", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.days[1]: must be one of mon, tue, wed, thu, fri, sat, sun, got "sunday"'],
    ["no day", `{ days: [], from: "01:00", to: "05:00", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.days: must list at least one day'],
    ["a day twice", `{ days: [sat, sat], from: "01:00", to: "05:00", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.days: lists a day twice'],
    ["a time without two-digit hours", `{ days: [sat], from: "1:00", to: "05:00", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.from: must be a 24-hour time HH:MM such as "01:00" or "22:30", got "1:00"'],
    ["an hour past 23", `{ days: [sat], from: "01:00", to: "24:00", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.to: must be a 24-hour time HH:MM such as "01:00" or "22:30", got "24:00"'],
    ["from == to", `{ days: [sat], from: "01:00", to: "01:00", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.to: equals from: a window must close at another time (for a window that runs past midnight, to is the next day\'s time), got "01:00"'],
    ["a window shorter than 30 minutes", `{ days: [sat], from: "23:50", to: "00:10", timeZone: Europe/London }`, 'images.yaml:4: image "uv": rebuildWindow.to: makes a window of 20 minutes; it must be at least 30 (the rebuild checks the clock every few minutes), got "00:10"'],
    ["a misspelt time zone", `{ days: [sat], from: "01:00", to: "05:00", timeZone: Europe/Londn }`, 'images.yaml:4: image "uv": rebuildWindow.timeZone: is not a time zone this program knows (did you mean Europe/London?), got "Europe/Londn"'],
    ["an unknown time zone", `{ days: [sat], from: "01:00", to: "05:00", timeZone: Mars/Olympus_Mons }`, 'images.yaml:4: image "uv": rebuildWindow.timeZone: is not a time zone this program knows (use an IANA name such as Europe/London, America/New_York or UTC), got "Mars/Olympus_Mons"'],
    ["an offset instead of a zone", `{ days: [sat], from: "01:00", to: "05:00", timeZone: "+01:00" }`, 'images.yaml:4: image "uv": rebuildWindow.timeZone: is not a time zone this program knows (use an IANA name such as Europe/London, America/New_York or UTC), got "+01:00"'],
    ["a misspelt key", `{ days: [sat], from: "01:00", to: "05:00", timezone: UTC, timeZone: UTC }`, 'images.yaml:4: image "uv": rebuildWindow.timezone: unknown key timezone, did you mean timeZone?'],
  ];
  for (const [what, window, error] of cases) {
    it(`rejects ${what}`, () => {
      expect(problemsOf(() => parseImagesText(image(window), "images.yaml"))).toContain(error);
    });
  }

  it("requires every field", () => {
    expect(problemsOf(() => parseImagesText(image(`{ days: [sat] }`), "images.yaml"))).toEqual([
      'images.yaml:4: image "uv": rebuildWindow.from: is required',
      'images.yaml:4: image "uv": rebuildWindow.timeZone: is required',
      'images.yaml:4: image "uv": rebuildWindow.to: is required',
    ]);
  });
});

describe("rebuildWindow in a stack overlay", () => {
  const images = parseImagesText(
    `- name: api\n  repository: acme/api\n  source: {repo: acme/api}\n  rebuildWindow: { days: [sun], from: "02:00", to: "04:00", timeZone: UTC }\n- name: worker\n  repository: acme/worker\n  source: {repo: acme/worker}\n- name: tools\n  repository: acme/tools\n  source: {repo: acme/tools}\n`,
    "images.yaml",
  );
  const overlay = parseOverlayText(
    `defaults:\n  rebuildWindow: { days: [sat, sun], from: "01:00", to: "05:00", timeZone: Europe/London }\noverrides:\n  tools:\n    rebuildWindow: { days: [fri], from: "22:00", to: "04:00", timeZone: America/New_York }\n`,
    "stacks/prod.yaml",
  );

  it("a default applies to every image, over images.yaml's own; an override wins over both", () => {
    const byName = Object.fromEntries(applyOverlay(images, overlay).images.map((i) => [i.name, i.rebuildWindow]));
    expect(byName.api).toEqual({ days: ["sat", "sun"], from: "01:00", to: "05:00", timeZone: "Europe/London" });
    expect(byName.worker).toEqual({ days: ["sat", "sun"], from: "01:00", to: "05:00", timeZone: "Europe/London" });
    expect(byName.tools).toEqual({ days: ["fri"], from: "22:00", to: "04:00", timeZone: "America/New_York" });
  });

  it("without one, images keep images.yaml's window (or none)", () => {
    const byName = Object.fromEntries(applyOverlay(images, parseOverlayText("defaults:\n  rebuildDelay: 2d\n", "o.yaml")).images.map((i) => [i.name, i]));
    expect(byName.api.rebuildWindow?.timeZone).toBe("UTC");
    expect("rebuildWindow" in byName.worker).toBe(false);
  });

  it("is validated as in images.yaml, with the overlay's file, line and field", () => {
    expect(
      problemsOf(() =>
        parseOverlayText(
          `defaults:\n  rebuildWindow: { days: [sat], from: "01:00", to: "05:00", timeZone: Mars/Olympus_Mons }\noverrides:\n  uv:\n    rebuildWindow: { days: [fri], from: "22:00", to: "22:00", timeZone: UTC }\n`,
          "stacks/prod.yaml",
        ),
      ),
    ).toEqual([
      'stacks/prod.yaml:2: defaults.rebuildWindow.timeZone: is not a time zone this program knows (use an IANA name such as Europe/London, America/New_York or UTC), got "Mars/Olympus_Mons"',
      "stacks/prod.yaml:5: overrides.uv.rebuildWindow.to: equals from: a window must close at another time (for a window that runs past midnight, to is the next day's time), got \"22:00\"",
    ]);
  });
});
