import { describe, expect, it } from "vitest";
import { formatReference, InvalidReferenceError, normalizeReference, parseImageReference, repoURL } from "../../src/config/reference";

const SHA256 = "sha256:" + "0123456789abcdef".repeat(4);
const SHA512 = "sha512:" + "0123456789abcdef".repeat(8);

// input → canonical string
const VALID: Array<[string, string]> = [
  ["node", "docker.io/library/node:latest"],
  ["node:22", "docker.io/library/node:22"],
  ["node:22-bookworm-slim", "docker.io/library/node:22-bookworm-slim"],
  ["library/node:22", "docker.io/library/node:22"],
  ["docker.io/node:22", "docker.io/library/node:22"],
  ["docker.io/library/node:22", "docker.io/library/node:22"],
  ["index.docker.io/library/node:22", "docker.io/library/node:22"],
  ["index.docker.io/node", "docker.io/library/node:latest"],
  ["Docker.IO/node", "docker.io/library/node:latest"],
  ["bitnami/kubectl:1.29", "docker.io/bitnami/kubectl:1.29"],
  ["python:3.12-slim", "docker.io/library/python:3.12-slim"],
  ["gcr.io/distroless/python3-debian12:nonroot", "gcr.io/distroless/python3-debian12:nonroot"],
  ["mcr.microsoft.com/playwright:v1.48.0-noble", "mcr.microsoft.com/playwright:v1.48.0-noble"],
  ["ghcr.io/acme/data-tools/metrics-service:1.2.3", "ghcr.io/acme/data-tools/metrics-service:1.2.3"],
  ["GHCR.io/acme/app", "ghcr.io/acme/app:latest"],
  ["localhost/app", "localhost/app:latest"],
  ["localhost:5000/foo/bar:1.0", "localhost:5000/foo/bar:1.0"],
  ["LOCALHOST:5000/foo", "localhost:5000/foo:latest"],
  ["registry.example.com:8443/team/app:v2", "registry.example.com:8443/team/app:v2"],
  ["example:5000/app", "example:5000/app:latest"],
  ["127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1"],
  ["[::1]:5000/app:1", "[::1]:5000/app:1"],
  ["[2001:db8::1]/app", "[2001:db8::1]/app:latest"],
  ["localhost:5000", "docker.io/library/localhost:5000"], // one segment: the ":5000" is a tag
  ["example.com", "docker.io/library/example.com:latest"], // one segment: a repository, not a host
  [`node@${SHA256}`, `docker.io/library/node@${SHA256}`],
  [`node:22@${SHA256}`, `docker.io/library/node:22@${SHA256}`],
  [`ghcr.io/acme/app@${SHA512}`, `ghcr.io/acme/app@${SHA512}`],
  ["alpine:3.19", "docker.io/library/alpine:3.19"],
  ["a/b/c/d:TAG_with.UPPER-case", "docker.io/a/b/c/d:TAG_with.UPPER-case"],
  ["my-org/my__image.v2:_x", "docker.io/my-org/my__image.v2:_x"],
  ["repo/with---dashes:1", "docker.io/repo/with---dashes:1"],
  ["0/1:2", "docker.io/0/1:2"],
  ["0", "docker.io/library/0:latest"],
];

// input → part of the reason
const INVALID: Array<[string, RegExp]> = [
  ["", /is empty/],
  ["Node:22", /must be lowercase/],
  ["library/Node", /must be lowercase/],
  ["MyRegistry/app", /must be lowercase.*registry host needs/],
  ["ghcr.io/Acme/app", /must be lowercase/],
  ["node:", /empty tag/],
  [":22", /no repository name/],
  ["node:.22", /tag/],
  ["node:-22", /tag/],
  ["node:" + "a".repeat(129), /longer than 128/],
  ["node:22 ", /tag/],
  ["node 22", /path component/],
  ["node@sha256:abc", /at least 32 hex/],
  ["node@sha256:" + "A".repeat(64), /lowercase hex/],
  ["node@sha256:" + "a".repeat(63), /64 lowercase hex/],
  ["node@md5:" + "a".repeat(32), /not supported/],
  ["node@", /digest/],
  ["node@@" + SHA256, /more than one '@'/],
  ["/node", /empty path component/],
  ["node/", /empty path component/],
  ["a//b", /empty path component/],
  ["-node", /path component/],
  ["node_", /path component/],
  ["no..de", /path component/],
  ["ghcr.io:port/app", /port/],
  ["ghcr..io/app", /registry host/],
  ["-ghcr.io/app", /registry host/],
  ["[::1/app", /unclosed/],
  ["[zz::1]/app", /IPv6/],
  ["a".repeat(64), /image ID/],
  ["ghcr.io/" + "a".repeat(250), /longer than 255/],
  ["--platform=$BUILDPLATFORM", /must be lowercase/],
  ["--platform=linux/amd64", /path component/],
  ["${BASE}", /must be lowercase/],
  ["${base}", /path component/],
];

describe("parseImageReference", () => {
  it.each(VALID)("normalizes %j to %j", (input, expected) => {
    expect(normalizeReference(input)).toBe(expected);
  });

  it.each(INVALID)("rejects %j", (input, reason) => {
    let error: unknown;
    try {
      parseImageReference(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect((error as InvalidReferenceError).reason).toMatch(reason);
    expect((error as InvalidReferenceError).input).toBe(input);
    expect((error as Error).message).toContain(JSON.stringify(input));
  });

  it("has at least 30 pairs of each kind", () => {
    expect(VALID.length).toBeGreaterThanOrEqual(30);
    expect(INVALID.length).toBeGreaterThanOrEqual(30);
  });

  it("returns the parts, with latest only when there is neither tag nor digest", () => {
    expect(parseImageReference("node")).toEqual({ registry: "docker.io", repository: "library/node", tag: "latest" });
    expect(parseImageReference(`node@${SHA256}`)).toEqual({ registry: "docker.io", repository: "library/node", digest: SHA256 });
    expect(parseImageReference(`localhost:5000/a/b:1@${SHA256}`)).toEqual({ registry: "localhost:5000", repository: "a/b", tag: "1", digest: SHA256 });
  });

  it("names the same base one way however it is written", () => {
    const spellings = ["node:22", "library/node:22", "docker.io/node:22", "docker.io/library/node:22", "index.docker.io/library/node:22", "DOCKER.IO/library/node:22"];
    expect(new Set(spellings.map(normalizeReference))).toEqual(new Set(["docker.io/library/node:22"]));
  });

  it("formats back to the canonical string, which parses to the same reference", () => {
    for (const [, canonical] of VALID) {
      const ref = parseImageReference(canonical);
      expect(formatReference(ref)).toBe(canonical);
      expect(parseImageReference(formatReference(ref))).toEqual(ref);
    }
  });

  it("gives the repository URL without tag or digest", () => {
    expect(repoURL(parseImageReference("node:22"))).toBe("docker.io/library/node");
    expect(repoURL(parseImageReference(`localhost:5000/x@${SHA256}`))).toBe("localhost:5000/x");
  });
});
