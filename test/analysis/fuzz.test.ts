import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeDockerfile } from "../../src/analysis/dockerfile";
import { formatReference, InvalidReferenceError, parseImageReference } from "../../src/config/reference";
import { lexWord, lexWordFull } from "../../src/analysis/shell-lex";

// Fragments that exercise every branch of the parsers, mixed with arbitrary text.
const REF_PIECES = ["node", "library", "docker.io", "index.docker.io", "ghcr.io", "localhost", ":5000", "[::1]", "/", ":", "@", "sha256:", "a".repeat(64), "A", "-", "_", "__", ".", "..", "latest", "1.2"];
const DOCKERFILE_PIECES = [
  "FROM ", "from ", "ARG ", "COPY ", "RUN ", "ADD ", "ONBUILD ", " AS ", " as ", "--platform=", "--from=", "--mount=", "type=bind,", "from=", ",",
  "scratch", "alpine", "node:22", "ghcr.io/acme/app", "builder", "0", "1", "$", "${", "}", ":-", ":+", "-", "+", ":?", "?", "#", "%", "/", "//",
  "V", "TARGETARCH", "BUILDARCH", "=", '"', "'", "\\", "`", "# escape=`", "# escape=\\", "# syntax=x", "<<", "<<-", "EOF", "\t", " ", "\r", "\n", "\n", "\n", "[", "]", "\ufeff", "é", "\u00a0", "😀",
];

const fromPieces = (pieces: string[], maxLength: number) =>
  fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 })), { maxLength }).map((parts) => parts.join(""));

describe("parseImageReference under fuzzing", () => {
  it("returns a reference that formats and re-parses to itself, or throws InvalidReferenceError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fromPieces(REF_PIECES, 12)), (text) => {
        let ref;
        try {
          ref = parseImageReference(text);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidReferenceError);
          return;
        }
        const canonical = formatReference(ref);
        expect(parseImageReference(canonical)).toEqual(ref);
        expect(formatReference(parseImageReference(canonical))).toBe(canonical);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("analyzeDockerfile under fuzzing", () => {
  it("never throws, and returns sorted, normalized bases and sorted unresolved lines", () => {
    const buildArgs = fc.dictionary(fc.constantFrom("V", "TARGETARCH", "BASE", "X"), fc.string({ maxLength: 8 }), { maxKeys: 3 });
    const platforms = fc.array(fc.constantFrom("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm"), { maxLength: 2 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fromPieces(DOCKERFILE_PIECES, 60)), buildArgs, platforms, (text, args, plats) => {
        const result = analyzeDockerfile(text, { buildArgs: args, platforms: plats });
        const lineCount = text.split("\n").length;
        const refs = result.bases.map((b) => b.reference);
        expect([...refs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(refs);
        expect(new Set(refs).size).toBe(refs.length);
        for (const b of result.bases) {
          expect(formatReference(parseImageReference(b.reference))).toBe(b.reference);
          expect(typeof b.runtime).toBe("boolean");
          expect(b.line).toBeGreaterThanOrEqual(1);
          expect(b.line).toBeLessThanOrEqual(lineCount);
        }
        const lines = result.unresolved.map((u) => u.line);
        expect([...lines].sort((a, b) => a - b)).toEqual(lines);
        for (const u of result.unresolved) {
          expect(u.line).toBeGreaterThanOrEqual(1);
          expect(u.reason.length).toBeGreaterThan(0);
        }
        // Deterministic: the same input gives the same output.
        expect(analyzeDockerfile(text, { buildArgs: args, platforms: plats })).toEqual(result);
      }),
      { numRuns: 3000 },
    );
  });

  it("the word lexer never throws and reports errors as values", () => {
    fc.assert(
      fc.property(fc.oneof(fromPieces(DOCKERFILE_PIECES, 20), fc.string({ maxLength: 12 })), fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom("\\", "`"), (word, rawQuotes, rawEscapes, skipUnsetEnv, escape) => {
        const r = lexWord(word, (name) => (name === "V" ? "v a l" : undefined), { escape, rawQuotes, rawEscapes, skipUnsetEnv });
        if (r.ok) expect(typeof r.result).toBe("string");
        else expect(r.error.length).toBeGreaterThan(0);
        // The shortcut for plain words gives what the full lexer gives.
        const full = lexWordFull(word, (name) => (name === "V" ? "v a l" : undefined), { escape, rawQuotes, rawEscapes, skipUnsetEnv });
        expect(r.ok && { result: r.result, words: r.words, matched: [...r.matched], unmatched: [...r.unmatched] }).toEqual(
          full.ok && { result: full.result, words: full.words, matched: [...full.matched], unmatched: [...full.unmatched] },
        );
      }),
      { numRuns: 3000 },
    );
  });
});
