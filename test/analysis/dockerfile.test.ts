import { describe, expect, it } from "vitest";
import { type AnalyzeOptions, analyzeDockerfile } from "../../src/analysis/dockerfile";

const lines = (...l: string[]) => l.join("\n") + "\n";
const analyze = (text: string, opts?: AnalyzeOptions) => analyzeDockerfile(text, opts);
/** "reference runtime|build line" strings, for compact expectations. */
const bases = (text: string, opts?: AnalyzeOptions) => analyze(text, opts).bases.map((b) => `${b.reference} ${b.runtime ? "runtime" : "build"} ${b.line}`);
const unresolved = (text: string, opts?: AnalyzeOptions) => analyze(text, opts).unresolved;

describe("FROM", () => {
  it("is recognised in any case, with the reference normalized", () => {
    expect(bases(lines("from alpine:3.19"))).toEqual(["docker.io/library/alpine:3.19 runtime 1"]);
    expect(bases(lines("FrOm ghcr.io/acme/app:1"))).toEqual(["ghcr.io/acme/app:1 runtime 1"]);
  });

  it("takes a tag-less image as :latest, not as a stage name", () => {
    expect(bases(lines("FROM alpine", "FROM nginx"))).toEqual(["docker.io/library/alpine:latest build 1", "docker.io/library/nginx:latest runtime 2"]);
  });

  it("skips --platform and other flags instead of taking them for the image", () => {
    expect(bases(lines("FROM --platform=$BUILDPLATFORM golang:1.22 AS build", "FROM --platform=linux/amd64 alpine"))).toEqual([
      "docker.io/library/alpine:latest runtime 2",
      "docker.io/library/golang:1.22 build 1",
    ]);
  });

  it("reports unknown or valueless FROM flags, as BuildKit rejects them", () => {
    expect(unresolved(lines("FROM --plat=linux/amd64 alpine"))).toEqual([{ line: 1, reason: "FROM: unknown flag: plat" }]);
    expect(unresolved(lines("FROM --platform alpine"))).toEqual([{ line: 1, reason: "FROM: missing a value on flag: platform" }]);
  });

  it("keeps digests and registries with ports", () => {
    const digest = "sha256:" + "ab".repeat(32);
    expect(bases(lines(`FROM node:22@${digest} AS a`, "FROM localhost:5000/foo/bar:1.0"))).toEqual([
      `docker.io/library/node:22@${digest} build 1`,
      "localhost:5000/foo/bar:1.0 runtime 2",
    ]);
  });

  it("reports a FROM with the wrong number of arguments or a bad stage name", () => {
    expect(unresolved(lines("FROM alpine builder"))[0].reason).toMatch(/one or three arguments/);
    expect(unresolved(lines("FROM"))[0].reason).toMatch(/one or three arguments/);
    expect(unresolved(lines("FROM alpine AS 1st"))[0].reason).toMatch(/invalid name for build stage: "1st"/);
  });
});

describe("stages", () => {
  it("follows FROM <stage> to the stage's base; stage names are case-insensitive", () => {
    const text = lines("FROM node:22 AS Base", "FROM base AS build", "COPY --from=BASE /a /b", "FROM build");
    expect(bases(text)).toEqual(["docker.io/library/node:22 runtime 1"]);
    expect(unresolved(text)).toEqual([]);
  });

  it("recognises any declared stage name, however long, and nothing else", () => {
    expect(bases(lines("FROM alpine AS veryverylongstagename123", "FROM veryverylongstagename123"))).toEqual(["docker.io/library/alpine:latest runtime 1"]);
  });

  it("does not match an upper-case FROM to a stage (BuildKit does not) and says why", () => {
    const [u] = unresolved(lines("FROM alpine AS builder", "FROM Builder"));
    expect(u.line).toBe(2);
    expect(u.reason).toMatch(/must be lowercase.*write builder/);
  });

  it("takes a stage name used before its stage, or by the stage itself, as an image", () => {
    expect(bases(lines("FROM later AS first", "FROM alpine AS later", "FROM first"))).toEqual(["docker.io/library/alpine:latest build 2", "docker.io/library/later:latest runtime 1"]);
    expect(bases(lines("FROM alpine AS alpine"))).toEqual(["docker.io/library/alpine:latest runtime 1"]);
  });

  it("takes FROM <number> as an image, because BuildKit has no stage index in FROM", () => {
    expect(bases(lines("FROM alpine", "FROM 0"))).toEqual(["docker.io/library/0:latest runtime 2", "docker.io/library/alpine:latest build 1"]);
  });

  it("treats scratch as no image", () => {
    expect(analyze(lines("FROM golang:1.22 AS build", "FROM scratch", "COPY --from=build /app /app"))).toEqual({
      bases: [{ reference: "docker.io/library/golang:1.22", runtime: false, line: 1 }],
      unresolved: [],
    });
    expect(unresolved(lines("FROM Scratch"))[0].reason).toMatch(/write scratch/);
  });

  it("marks runtime only the final stage's FROM chain; one base used both ways is runtime", () => {
    const text = lines(
      "FROM node:22 AS deps", // 1: build-only (not on the final chain)
      "FROM python:3.12 AS tools", // 2: build-only
      "FROM node:22 AS base", // 3: runtime through "app"
      "FROM base AS app", // 4
      "FROM app", // 5: final
    );
    expect(bases(text)).toEqual(["docker.io/library/node:22 runtime 3", "docker.io/library/python:3.12 build 2"]);
  });
});

describe("ARG", () => {
  it("expands global ARGs in FROM: ${VAR}, $VAR and defaults", () => {
    expect(bases(lines("ARG REG=ghcr.io", "ARG TAG=1", "FROM ${REG}/acme/app:$TAG"))).toEqual(["ghcr.io/acme/app:1 runtime 3"]);
  });

  it("implements :- - :+ + like BuildKit (unset vs empty)", () => {
    const from = (expr: string, decl: string) => bases(lines(decl, `FROM alpine:${expr}`))[0];
    expect(from("${V:-3.19}", "ARG V")).toBe("docker.io/library/alpine:3.19 runtime 2"); // unset
    expect(from("${V:-3.19}", 'ARG V=""')).toBe("docker.io/library/alpine:3.19 runtime 2"); // empty counts as unset
    expect(from("${V-3.19}", "ARG V=3.18")).toBe("docker.io/library/alpine:3.18 runtime 2");
    expect(from("3${V+.20}", "ARG V=")).toBe("docker.io/library/alpine:3.20 runtime 2"); // set (empty) → alt
    expect(bases(lines("ARG V=", "FROM alpine:3${V:+.20}"))).toEqual(["docker.io/library/alpine:3 runtime 2"]);
    expect(bases(lines("ARG V=x", "FROM alpine:3${V:+.20}"))).toEqual(["docker.io/library/alpine:3.20 runtime 2"]);
  });

  it("implements the # % and / substitutions", () => {
    expect(bases(lines("ARG PY=3.12.4", "FROM python:${PY%.*}-slim"))).toEqual(["docker.io/library/python:3.12-slim runtime 2"]);
    expect(bases(lines("ARG IMG=docker.io/library/node:22", "FROM node:${IMG##*:}"))).toEqual(["docker.io/library/node:22 runtime 2"]);
    expect(bases(lines("ARG V=3_12", "FROM python:${V//_/.}"))).toEqual(["docker.io/library/python:3.12 runtime 2"]);
  });

  it("reports ${VAR:?message} and unsupported substitutions as unresolved", () => {
    expect(unresolved(lines("ARG V", "FROM alpine:${V:?required}"))).toEqual([{ line: 2, reason: "FROM alpine:${V:?required}: V: required" }]);
    expect(unresolved(lines("ARG V=", "FROM alpine:${V:?}"))).toEqual([{ line: 2, reason: "FROM alpine:${V:?}: V: is not allowed to be empty" }]);
    expect(unresolved(lines("ARG V=1", "FROM alpine:${V^^}"))[0].reason).toMatch(/unsupported modifier/);
    expect(unresolved(lines("FROM alpine:${V"))[0].reason).toMatch(/missing '}'/);
  });

  it("uses the ARG's global scope, not its position: a stage's ARG never changes a later FROM", () => {
    const text = lines("ARG V=1", "FROM alpine:3.${V} AS a", "ARG V=2", "FROM alpine:3.${V}");
    expect(bases(text)).toEqual(["docker.io/library/alpine:3.1 runtime 4"]);
  });

  it("applies only ARGs declared before the first FROM", () => {
    const [u] = unresolved(lines("FROM alpine AS a", "ARG V=3.19", "FROM alpine:${V}"));
    expect(u).toEqual({ line: 3, reason: expect.stringMatching(/empty tag.*V is not declared with ARG before the first FROM/) });
  });

  it("lets build args override defaults, ignores undeclared ones, and reports unset ARGs", () => {
    const text = lines("ARG NODE=20", "ARG BASE", "FROM node:${NODE}", "FROM ${BASE}");
    expect(bases(text, { buildArgs: { NODE: "22", BASE: "gcr.io/distroless/base" } })).toEqual([
      "docker.io/library/node:22 build 3",
      "gcr.io/distroless/base:latest runtime 4",
    ]);
    expect(unresolved(text)).toEqual([{ line: 4, reason: "FROM ${BASE} expands to an empty image name (ARG BASE has no default and buildArgs does not set it)" }]);
    expect(unresolved(lines("FROM node:${NODE}"), { buildArgs: { NODE: "22" } })[0].reason).toMatch(/buildArgs.NODE is ignored because NODE is not declared/);
  });

  it("expands ARG defaults with earlier ARGs but takes build args verbatim", () => {
    expect(bases(lines("ARG V=22", "ARG IMG=node:${V}", "FROM $IMG"))).toEqual(["docker.io/library/node:22 runtime 3"]);
    expect(bases(lines("ARG V=22", "ARG IMG", "FROM ${IMG}"), { buildArgs: { IMG: "node:20" } })).toEqual(["docker.io/library/node:20 runtime 3"]);
    expect(bases(lines('ARG A="node" B=22', "FROM ${A}:${B}"))).toEqual(["docker.io/library/node:22 runtime 2"]);
  });

  it("evaluates platform ARGs per target platform, and never guesses the runner's", () => {
    const text = lines("FROM --platform=$BUILDPLATFORM golang:1.22 AS build", "FROM alpine:3.19-${TARGETARCH}");
    expect(bases(text, { platforms: ["linux/amd64", "linux/arm64"] })).toEqual([
      "docker.io/library/alpine:3.19-amd64 runtime 2",
      "docker.io/library/alpine:3.19-arm64 runtime 2",
      "docker.io/library/golang:1.22 build 1",
    ]);
    expect(unresolved(text)[0].reason).toMatch(/depends on TARGETARCH.*no platform was given/);
    expect(unresolved(lines("FROM alpine:$BUILDARCH"), { platforms: ["linux/amd64"] })[0].reason).toMatch(/BUILDARCH, which depends on the machine that runs the build/);
    expect(bases(lines("FROM alpine:$TARGETARCH"), { buildArgs: { TARGETARCH: "riscv64" } })).toEqual(["docker.io/library/alpine:riscv64 runtime 1"]);
  });

  it("names the platforms a problem is specific to", () => {
    const [u] = unresolved(lines("FROM alpine:${TARGETVARIANT:?novariant}"), { platforms: ["linux/arm/v6", "linux/amd64"] });
    expect(u.reason).toMatch(/novariant \(for linux\/amd64\)$/);
  });
});

describe("the file's syntax", () => {
  it("joins line continuations, skipping comments and empty lines inside them", () => {
    const text = lines("FROM \\", "  # a comment inside", "", "  node:22 \\", "  AS base", "FROM base");
    expect(analyze(text)).toEqual({ bases: [{ reference: "docker.io/library/node:22", runtime: true, line: 1 }], unresolved: [] });
  });

  it("ignores comments, including indented ones", () => {
    // A "#" after an instruction is not a comment: here it makes FROM's arguments wrong.
    expect(unresolved(lines("FROM alpine # comment?"))[0].reason).toMatch(/one or three arguments/);
    expect(bases(lines("# FROM evil:1", "   # FROM evil:2", "FROM alpine"))).toEqual(["docker.io/library/alpine:latest runtime 3"]);
  });

  it("reads CRLF files and a byte-order mark", () => {
    expect(bases("\ufeffFROM node:22 AS a\r\nFROM \\\r\n  alpine\r\n")).toEqual(["docker.io/library/alpine:latest runtime 2", "docker.io/library/node:22 build 1"]);
  });

  it("honours # escape=` (backtick continuations, backslash literal)", () => {
    const text = lines("# escape=`", "FROM mcr.microsoft.com/windows/servercore:ltsc2022 `", "  AS base", "RUN dir c:\\", "FROM base");
    expect(bases(text)).toEqual(["mcr.microsoft.com/windows/servercore:ltsc2022 runtime 2"]);
  });

  it("takes # escape= as a directive only at the very top", () => {
    // After a blank line it is a comment, so the backslash still continues the line.
    expect(bases(lines("", "# escape=`", "FROM alpine \\", "  AS a", "FROM a"))).toEqual(["docker.io/library/alpine:latest runtime 3"]);
    expect(unresolved(lines("# escape=x", "FROM alpine"))[0].reason).toMatch(/invalid escape token 'x'/);
    expect(unresolved(lines("# escape=`", "# escape=\\", "FROM alpine"))[0].reason).toMatch(/only one escape parser directive/);
  });

  it("reports a file without FROM, or with an instruction before it", () => {
    expect(unresolved("")).toEqual([{ line: 1, reason: "no FROM instruction: the Dockerfile has no build stage" }]);
    expect(unresolved(lines("ARG A=1", "RUN true", "FROM alpine"))).toEqual([
      { line: 2, reason: "RUN before the first FROM: only ARG may come before FROM (BuildKit rejects the file)" },
    ]);
  });
});

describe("heredocs", () => {
  it("does not read a heredoc's body as instructions", () => {
    const text = lines("FROM alpine AS a", "RUN <<EOF", "FROM evil:1", "COPY --from=evil:2 / /", "EOF", "FROM node:22");
    expect(bases(text)).toEqual(["docker.io/library/alpine:latest build 1", "docker.io/library/node:22 runtime 6"]);
  });

  it("supports <<-, quoted delimiters, several heredocs per line, COPY and ADD", () => {
    const text = lines(
      "FROM alpine AS a",
      "RUN <<-EOT bash",
      "\tFROM evil:1",
      "\tEOT",
      "COPY <<'ONE' <<\"TWO\" /dest/",
      "FROM evil:2",
      "ONE",
      "FROM evil:3",
      "TWO",
      "ADD <<X /x",
      "FROM evil:4",
      "X",
      "ONBUILD RUN <<Y",
      "FROM evil:5",
      "Y",
      "RUN << Z",
      "FROM evil:6",
      "Z",
      "FROM node:22",
    );
    expect(bases(text)).toEqual(["docker.io/library/alpine:latest build 1", "docker.io/library/node:22 runtime 19"]);
  });

  it("only opens a heredoc where BuildKit does: a word starting with <<, outside JSON form", () => {
    expect(bases(lines('FROM alpine', 'RUN ["sh", "-c", "cat <<EOF"]', "FROM node:22"))).toEqual([
      "docker.io/library/alpine:latest build 1",
      "docker.io/library/node:22 runtime 3",
    ]);
    expect(bases(lines("FROM alpine", "RUN echo '<<EOF'", "FROM node:22"))).toHaveLength(2);
  });

  it("reports an unterminated heredoc", () => {
    expect(unresolved(lines("FROM alpine", "RUN <<EOF", "echo hi"))).toEqual([{ line: 2, reason: "unterminated heredoc <<EOF (BuildKit rejects the file)" }]);
  });
});

describe("COPY --from and RUN --mount from=", () => {
  it("records images named by COPY --from as build-only, even in the final stage", () => {
    expect(bases(lines("FROM python:3.12", "COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv"))).toEqual([
      "docker.io/library/python:3.12 runtime 1",
      "ghcr.io/astral-sh/uv:0.5 build 2",
    ]);
  });

  it("resolves COPY --from stage names (any case) and indexes, not as images", () => {
    const text = lines("FROM golang:1.22 AS Build", "FROM alpine", "COPY --from=build /a /a", "COPY --from=BUILD /b /b", "COPY --from=0 /c /c", "COPY --chown=1:1 --from=1 /d /d");
    expect(analyze(text).bases.map((b) => b.reference)).toEqual(["docker.io/library/alpine:latest", "docker.io/library/golang:1.22"]);
    expect(unresolved(text)).toEqual([]);
  });

  it("rejects bad COPY --from values like BuildKit", () => {
    expect(unresolved(lines("FROM alpine", "COPY --from=5 /a /a"))).toEqual([{ line: 2, reason: "COPY --from=5: invalid stage index 5" }]);
    expect(unresolved(lines("ARG IMG=busybox", "FROM alpine", "COPY --from=${IMG} /a /a"))[0].reason).toMatch(/variable expansion is not supported/);
    expect(unresolved(lines("FROM alpine", "COPY --from=a --from=b /a /a"))[0].reason).toMatch(/duplicate flag specified: from/);
    expect(unresolved(lines("FROM alpine", "COPY --from=Busybox /a /a"))[0].reason).toMatch(/must be lowercase/);
  });

  it("records RUN --mount from= images as build-only, skipping stages and mounts without from", () => {
    const text = lines(
      "FROM alpine AS tools",
      "FROM debian:12",
      "RUN --mount=type=bind,from=busybox:1.36,source=/bin/busybox,target=/bb \\",
      "    --mount=type=cache,target=/root/.cache \\",
      "    --mount=type=bind,FROM=TOOLS,target=/t \\",
      '    --mount="type=bind,\\"from=ghcr.io/acme/x:1\\",target=/x" true',
    );
    expect(bases(text)).toEqual(["docker.io/library/alpine:latest build 1", "docker.io/library/busybox:1.36 build 3", "docker.io/library/debian:12 runtime 2", "ghcr.io/acme/x:1 build 3"]);
  });

  it("rejects variables and malformed mounts like BuildKit", () => {
    expect(unresolved(lines("FROM alpine", "RUN --mount=from=$IMG,target=/x true"))[0].reason).toMatch(/doesn't support variable expansion/);
    expect(unresolved(lines("FROM alpine", 'RUN --mount=type=bind,from=a\\"b true'))[0].reason).toMatch(/failed to parse csv mounts: bare "/);
  });
});

describe("output", () => {
  it("lists each base once, sorted by reference, with unresolved sorted by line", () => {
    const result = analyze(lines("FROM b:1 AS x", "FROM a:1 AS y", "FROM b:1 AS z", "FROM alpine:${X:?}", "FROM a:1"));
    expect(result.bases.map((b) => b.reference)).toEqual(["docker.io/library/a:1", "docker.io/library/b:1"]);
    expect(result.bases[0]).toEqual({ reference: "docker.io/library/a:1", runtime: true, line: 5 });
    expect(result.bases[1]).toEqual({ reference: "docker.io/library/b:1", runtime: false, line: 1 });
    expect(result.unresolved.map((u) => u.line)).toEqual([4]);
  });

  it("analyses the example estate's Dockerfiles as the lock records them", () => {
    const text = lines(
      "ARG PYTHON_VERSION=3.11",
      "ARG RUNTIME=gcr.io/distroless/python3-debian12:nonroot",
      "FROM python:${PYTHON_VERSION}-slim AS builder",
      "COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /uvx /bin/",
      "FROM ${RUNTIME}",
      "COPY --from=builder /app /app",
    );
    expect(analyze(text, { buildArgs: { PYTHON_VERSION: "3.12" } })).toEqual({
      bases: [
        { reference: "docker.io/library/python:3.12-slim", runtime: false, line: 3 },
        { reference: "gcr.io/distroless/python3-debian12:nonroot", runtime: true, line: 5 },
        { reference: "ghcr.io/astral-sh/uv:0.5", runtime: false, line: 4 },
      ],
      unresolved: [],
    });
  });
});
