// The rebuild graph renders with Mermaid in a real browser: the diagrams the plan emits (marks,
// ghosts of removed nodes, the part a change touches, the grouped overview) parse and draw.
// Runs where a Chromium or Chrome is installed (CHROME_PATH, or the usual paths); skips
// cleanly elsewhere.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mermaid, rebuildGraph } from "../../src/plan/graph";
import { base, diamond, image } from "./fixtures";

const candidates = [process.env.CHROME_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];
const browserPath = candidates.find((p): p is string => typeof p === "string" && p !== "" && fs.existsSync(p));

function mermaidBundle(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve("mermaid/package.json")), "dist", "mermaid.min.js");
  } catch {
    return undefined;
  }
}
const bundle = mermaidBundle();

type Page = { evaluate: <T>(fn: (text: string) => Promise<T>, text: string) => Promise<T> };
let close: (() => Promise<void>) | undefined;
let page: Page;

async function render(text: string): Promise<{ ok: boolean; svg?: string; error?: string }> {
  return page.evaluate(async (t: string) => {
    const m = (globalThis as unknown as { mermaid: { render: (id: string, text: string) => Promise<{ svg: string }> } }).mermaid;
    try {
      const { svg } = await m.render(`g${Math.random().toString(36).slice(2)}`, t);
      return { ok: true, svg };
    } catch (e) {
      return { ok: false, error: String((e as Error)?.message ?? e) };
    }
  }, text);
}

describe.skipIf(!browserPath || !bundle)(`Mermaid in a browser (${browserPath ?? "no browser installed"})`, () => {
  beforeAll(async () => {
    const puppeteer = (await import("puppeteer-core")).default;
    const browser = await puppeteer.launch({ executablePath: browserPath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    close = () => browser.close();
    const p = await browser.newPage();
    await p.setContent("<!doctype html><html><body></body></html>");
    await p.addScriptTag({ path: bundle! });
    await p.evaluate(async () => {
      (globalThis as unknown as { mermaid: { initialize: (o: object) => void } }).mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    });
    page = p as unknown as Page;
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it("draws the graph with added, changed and removed marks", async () => {
    const text = mermaid(diamond({ cAuto: false }), { marks: { added: ["e"], changed: ["a"], removed: ["old-image", "docker.io/library/node:20"] } })!;
    const result = await render(text);
    expect(result.error).toBeUndefined();
    for (const label of ["node:22", "old-image", "removed", "manual"]) expect(result.svg).toContain(label);
  });

  it("draws the touched part and the overview of an estate above the size limit", async () => {
    const bases = [base("docker.io/library/node:22", []), base("ghcr.io/acme/runtime:1", [], "ghcr.io")];
    const images = Array.from({ length: 120 }, (_, i) => image(`img-${i}`, [{ base: bases[i % 2].key }], { source: { repo: `acme/repo-${i % 7}`, dockerfile: `img-${i}/Dockerfile` } }));
    images.forEach((n, i) => bases[i % 2].dependents.push(n.spec.name));
    const picture = rebuildGraph({ images, bases, unwatched: [] }, { maxNodes: 80, marks: { changed: ["img-3"] } });
    for (const text of [picture.mermaid!, picture.overview!]) {
      const result = await render(text);
      expect(result.error).toBeUndefined();
    }
    expect((await render(picture.overview!)).svg).toContain("acme/repo-0");
  });

  it("is a real check: a broken diagram does not render", async () => {
    expect((await render('flowchart LR\n  a[["x"] --> ')).ok).toBe(false);
  });
});
