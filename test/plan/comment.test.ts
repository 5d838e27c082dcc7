// The CI comment keeps the plan in order while it fits GitHub's comment limit, cuts whole
// sections and folded diffs (never mid-block), and says plainly what it cut and where the
// full plan is.
import { describe, expect, it } from "vitest";
import { fitPlanComment } from "../../src/plan/comment";

const folded = (i: number) => [`<details><summary>Stage ns/s${i}: changed, 1 field</summary>`, "", "````diff", `+ ${"x".repeat(900)}`, "````", "", "</details>", ""].join("\n");
const plan = [
  "## image-factory plan: stack `dev`",
  "",
  "2 images enrolled (a, b); resources: 40 to change.",
  "",
  "### Changes against `main`",
  "",
  "| ~ | Stage ns/s0 | Stage | `spec.x`: `1` → `2` |",
  "",
  ...Array.from({ length: 40 }, (_, i) => folded(i)),
  "### Rebuild graph",
  "",
  "```mermaid",
  "flowchart LR",
  "```",
  "",
  "### Warnings (1)",
  "",
  "- image c: autoRebuild is false",
  "",
].join("\n");

describe("fitPlanComment", () => {
  it("leaves a plan that fits alone", () => {
    expect(fitPlanComment("## plan\n\nsmall\n", { limit: 1000, fullPlan: "x" })).toEqual({ text: "## plan\n\nsmall\n", cut: [] });
  });

  it("keeps the summary and the parts that fit, in order, and names every cut part and the full plan", () => {
    const { text, cut } = fitPlanComment(plan, { limit: 12_000, fullPlan: "the artifact `plan-dev` of [this run](https://example.invalid/run)" });
    expect(text.length).toBeLessThanOrEqual(12_000);
    expect(text.startsWith("## image-factory plan: stack `dev`\n\n2 images enrolled (a, b)")).toBe(true);
    expect(text).toContain("### Changes against `main`");
    expect(cut.length).toBeGreaterThan(0);
    expect(cut[0]).toMatch(/^the full diff of Stage ns\/s\d+$/);
    // A folded block is kept whole or not at all.
    expect(text.split("<details>").length).toBe(text.split("</details>").length);
    expect(text).toContain(`**Cut to fit GitHub's comment limit:** ${cut.length} parts of the plan:`);
    expect(text).toContain("The full plan (Markdown and JSON) is the artifact `plan-dev` of [this run](https://example.invalid/run).");
    // Later small sections still fit when a big one does not.
    expect(text).toContain("### Warnings (1)");
  });

  it("cuts even an oversized first part at a line, still under the limit", () => {
    const huge = `## plan\n\n${"word ".repeat(5000)}\n\nmore\n${"line\n".repeat(3000)}`;
    const { text } = fitPlanComment(huge, { limit: 5000, fullPlan: "elsewhere" });
    expect(text.length).toBeLessThanOrEqual(5000);
    expect(text).toContain("The full plan (Markdown and JSON) is elsewhere.");
  });
});
