// ARG expansion under hostile Dockerfiles: bounded in depth and size, a clear error for the one
// Dockerfile, and the time and memory each Dockerfile may take bounded.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeDockerfile, MAX_EXPANSION_PER_DOCKERFILE } from "../../src/analysis/dockerfile";
import { analyzeEstate } from "../../src/analysis/lock";
import type { DockerfileSource } from "../../src/analysis/sources";
import { MAX_SUBSTITUTION_DEPTH, MAX_WORD_EXPANSION, lexWord } from "../../src/analysis/shell-lex";
import { parseImagesText } from "../../src/config/images";

function timed<T>(fn: () => T): { value: T; ms: number; heapMb: number } {
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start, heapMb: (process.memoryUsage().heapUsed - before) / 1e6 };
}

describe("ARG expansion is bounded", () => {
  it("deeply nested ${A:-${A:-...}} is an error for that Dockerfile, not a stack overflow", () => {
    const depth = 100_000;
    const word = `${"${A:-".repeat(depth)}node${"}".repeat(depth)}`;
    const { value: result, ms } = timed(() => analyzeDockerfile(`FROM ${word}\n`));
    expect(result.bases).toEqual([]);
    expect(result.unresolved).toHaveLength(1);
    expect(result.unresolved[0].reason).toContain(`variable substitutions nest more than ${MAX_SUBSTITUTION_DEPTH} deep`);
    // The reason quotes a short excerpt of the line, not the line.
    expect(result.unresolved[0].reason.length).toBeLessThan(400);
    expect(ms).toBeLessThan(5000);
  });

  it("nesting within the bound still resolves as BuildKit would", () => {
    const word = `${"${A:-".repeat(10)}node:22${"}".repeat(10)}`;
    expect(analyzeDockerfile(`FROM ${word}\n`).bases.map((b) => b.reference)).toEqual(["docker.io/library/node:22"]);
  });

  it("a few hundred bytes of doubling ARGs end in a clear error within a small budget", () => {
    const lines = ["ARG A0=xxxxxxxxxxxxxxxx"];
    for (let i = 1; i <= 40; i++) lines.push(`ARG A${i}=\${A${i - 1}}\${A${i - 1}}`);
    lines.push("FROM node:${A40}");
    const text = `${lines.join("\n")}\n`;
    expect(text.length).toBeLessThan(1200);
    const { value: result, ms, heapMb } = timed(() => analyzeDockerfile(text));
    expect(result.unresolved.map((u) => u.reason).join("\n")).toContain(`the word expands to more than ${MAX_WORD_EXPANSION} characters`);
    expect(ms).toBeLessThan(5000);
    expect(heapMb).toBeLessThan(200);
  });

  it("many ARGs each under the word bound hit the per-Dockerfile budget", () => {
    const big = "x".repeat(MAX_WORD_EXPANSION - 10);
    const lines = [`ARG A=${big}`];
    const count = Math.ceil(MAX_EXPANSION_PER_DOCKERFILE / big.length) + 5;
    for (let i = 0; i < count; i++) lines.push(`ARG B${i}=\${A}`);
    lines.push("FROM node:22");
    const result = analyzeDockerfile(`${lines.join("\n")}\n`);
    expect(result.unresolved.map((u) => u.reason)).toContain(`ARG and FROM expansion produces more than ${MAX_EXPANSION_PER_DOCKERFILE} characters; the rest of the Dockerfile is not analysed`);
  });

  it("a replacement that multiplies a value is cut at the word bound", () => {
    const r = lexWord("${A//x/yyyyyyyyyyyyyyyyyyyy}", () => "x".repeat(5000), { escape: "\\" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("expands to more than");
  });

  it("a pattern with many wildcards over a long value is refused rather than backtracked", () => {
    const { value: r, ms } = timed(() => lexWord("${A#*a*a*a*a*a*a*b}", () => "a".repeat(8000), { escape: "\\" }));
    expect(r.ok).toBe(false);
    expect(ms).toBeLessThan(1000);
  });

  it("one runaway Dockerfile is reported; the other images of the estate are still analysed", async () => {
    const images = parseImagesText(
      "- name: bomb\n  repository: acme/bomb\n  source: {repo: acme/bomb}\n- name: fine\n  repository: acme/fine\n  source: {repo: acme/fine}\n",
      "images.yaml",
    );
    const bomb = `FROM ${"${A:-".repeat(5000)}x${"}".repeat(5000)}\n`;
    const source: DockerfileSource = { locate: (i) => `${i.source.repo}/Dockerfile`, read: async (i) => (i.name === "bomb" ? bomb : "FROM node:22\n") };
    const result = await analyzeEstate(images, { source });
    expect(result.lock?.images.fine.bases.map((b) => b.reference)).toEqual(["docker.io/library/node:22"]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].subject).toBe('image "bomb"');
    expect(result.problems[0].message).toContain("nest more than");
  });
});

describe("ARG expansion under fuzzing: time and memory per Dockerfile stay bounded", () => {
  const pieces = ["ARG ", "FROM ", "A", "B", "C", "=", "$A", "$B", "${A}", "${B}", "${C}", "${A:-", "${B:+", "${A#", "${A%%", "${A//", "/", "*", "}", "x", "xxxxxxxx", "\n", " ", ":", "node"];
  it("never throws, never takes more than a second or 100 MB for one Dockerfile", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 400 }), (parts) => {
        const text = parts.join("");
        const { value: result, ms, heapMb } = timed(() => analyzeDockerfile(text, { platforms: ["linux/amd64", "linux/arm64"] }));
        expect(Array.isArray(result.unresolved)).toBe(true);
        for (const u of result.unresolved) expect(u.reason.length).toBeLessThan(400);
        expect(ms).toBeLessThan(1000);
        expect(heapMb).toBeLessThan(100);
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});
