import { describe, expect, it } from "vitest";
import { analyzeEstate } from "../../src/analysis/lock";
import { type FetchLike, githubSource, mapWithConcurrency, SourceError } from "../../src/analysis/sources";
import { parseImagesText } from "../../src/config/images";
import { fakeFetch as fakeFetchBy, type Reply } from "../helpers/fake-fetch";

/** Answers by URL path. */
function fakeFetch(script: Record<string, Reply[]>) {
  return fakeFetchBy(script, (url) => new URL(url).pathname);
}

const estate = parseImagesText(
  [
    "- name: web",
    "  repository: acme/web",
    "  source: {repo: acme/web, branch: release/1.x, dockerfile: 'docker/web app/Dockerfile'}",
    "- name: api",
    "  repository: acme/api",
    "  source: {repo: acme/api}",
    "- name: worker",
    "  repository: acme/worker",
    "  source: {repo: acme/worker}",
    "",
  ].join("\n"),
  "images.yaml",
);
const [web, api] = estate.images;
const WEB = "/repos/acme/web/contents/docker/web%20app/Dockerfile";
const API = "/repos/acme/api/contents/Dockerfile";
const WORKER = "/repos/acme/worker/contents/Dockerfile";

function source(fetch: FetchLike, extra: Partial<Parameters<typeof githubSource>[0]> = {}) {
  const sleeps: number[] = [];
  const src = githubSource({ fetch, token: "t0ken", sleep: async (ms) => void sleeps.push(ms), now: () => 1_700_000_000_000, ...extra });
  return { src, sleeps };
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return e as SourceError;
  }
  throw new Error("expected a SourceError");
}

describe("githubSource", () => {
  it("GETs the raw file from the contents API at the image's branch, with the token", async () => {
    const { fetch, calls } = fakeFetch({ [WEB]: [{ status: 200, body: "FROM alpine\n" }] });
    expect(await source(fetch).src.read(web)).toBe("FROM alpine\n");
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("https://api.github.com/repos/acme/web/contents/docker/web%20app/Dockerfile?ref=release%2F1.x");
    expect(calls[0].headers).toMatchObject({ Accept: "application/vnd.github.raw+json", Authorization: "Bearer t0ken" });
  });

  it("sends no Authorization header without a token", async () => {
    const { fetch, calls } = fakeFetch({ [API]: [{ status: 200, body: "FROM alpine" }] });
    await githubSource({ fetch }).read(api);
    expect(calls[0].headers.Authorization).toBeUndefined();
  });

  it("retries 5xx answers and network errors with exponential backoff", async () => {
    const { fetch, calls } = fakeFetch({ [API]: [{ status: 503 }, new Error("ECONNRESET"), { status: 502 }, { status: 200, body: "FROM node:22" }] });
    const { src, sleeps } = source(fetch);
    expect(await src.read(api)).toBe("FROM node:22");
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });

  it("waits as long as Retry-After says on 429 (seconds or an HTTP date)", async () => {
    const date = new Date(1_700_000_000_000 + 7000).toUTCString();
    const { fetch } = fakeFetch({ [API]: [{ status: 429, headers: { "Retry-After": "3" } }, { status: 429, headers: { "retry-after": date } }, { status: 200, body: "FROM x" }] });
    const { src, sleeps } = source(fetch);
    expect(await src.read(api)).toBe("FROM x");
    expect(sleeps).toEqual([3000, 7000]);
  });

  it("waits for x-ratelimit-reset on a 403 rate limit, and honours Retry-After on a secondary limit", async () => {
    const { fetch } = fakeFetch({
      [API]: [
        { status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(1_700_000_000 + 42) } },
        { status: 403, headers: { "retry-after": "5" } },
        { status: 200, body: "FROM x" },
      ],
    });
    const { src, sleeps } = source(fetch);
    expect(await src.read(api)).toBe("FROM x");
    expect(sleeps).toEqual([42_000, 5000]);
  });

  it("does not wait longer than maxDelayMs; it says when to try again", async () => {
    const { fetch } = fakeFetch({ [API]: [{ status: 429, headers: { "Retry-After": "3600" } }] });
    const e = await failure(source(fetch).src.read(api));
    expect(e.message).toMatch(/GitHub answered 429 reading acme\/api@main:Dockerfile; GitHub asks to wait 3600s/);
  });

  it("gives up after maxAttempts with the last problem", async () => {
    const { fetch, calls } = fakeFetch({ [API]: [{ status: 500 }] });
    const { src, sleeps } = source(fetch, { maxAttempts: 3 });
    expect((await failure(src.read(api))).message).toBe("GitHub answered 500 reading acme/api@main:Dockerfile, after 3 attempts");
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it("does not retry 404, 401 or a plain 403, and says what to check", async () => {
    const { fetch, calls } = fakeFetch({ [API]: [{ status: 404 }] });
    expect((await failure(source(fetch).src.read(api))).message).toMatch(/not found on GitHub: acme\/api@main:Dockerfile \(check source\.repo, source\.branch and source\.dockerfile/);
    expect(calls).toHaveLength(1);
    const unauthorized = fakeFetch({ [API]: [{ status: 401 }] });
    expect((await failure(source(unauthorized.fetch).src.read(api))).message).toMatch(/401.*GITHUB_TOKEN/);
    const forbidden = fakeFetch({ [API]: [{ status: 403 }] });
    expect((await failure(source(forbidden.fetch).src.read(api))).message).toMatch(/refused access \(403\)/);
  });
});

describe("analyzeEstate with GitHub", () => {
  it("reports the image that cannot be read, analyses the others, and writes no lock", async () => {
    const { fetch, calls } = fakeFetch({
      [WEB]: [{ status: 503 }, { status: 200, body: "FROM node:22\n" }],
      [API]: [{ status: 404 }],
      [WORKER]: [{ status: 200, body: "ARG BASE\nFROM $BASE\n" }],
    });
    const { src } = source(fetch);
    const result = await analyzeEstate(estate, { source: src, concurrency: 2 });
    expect(result.lock).toBeUndefined();
    expect(result.problems).toEqual([
      { file: "acme/worker@main:Dockerfile", line: 2, subject: 'image "worker"', message: expect.stringMatching(/empty image name/) },
      { file: "images.yaml", subject: 'image "api"', field: "source.dockerfile", message: expect.stringMatching(/^not found on GitHub: acme\/api@main:Dockerfile/) },
    ]);
    expect(calls.map((c) => new URL(c.url).pathname).sort()).toEqual([API, WEB, WEB, WORKER].sort());
  });

  it("builds the lock when every Dockerfile is read, reading a shared Dockerfile once", async () => {
    const shared = parseImagesText(
      "- name: a\n  repository: acme/a\n  source: {repo: acme/mono}\n- name: b\n  repository: acme/b\n  source: {repo: acme/mono}\n  buildArgs: {V: '2'}\n",
      "images.yaml",
    );
    const { fetch, calls } = fakeFetch({ "/repos/acme/mono/contents/Dockerfile": [{ status: 200, body: "ARG V=1\nFROM alpine:3.$V\n" }] });
    const result = await analyzeEstate(shared, { source: source(fetch).src });
    expect(calls).toHaveLength(1);
    expect(result.problems).toEqual([]);
    expect(result.lock?.images.a.bases).toEqual([{ reference: "docker.io/library/alpine:3.1", runtime: true, line: 2 }]);
    expect(result.lock?.images.b.bases).toEqual([{ reference: "docker.io/library/alpine:3.2", runtime: true, line: 2 }]);
  });
});

describe("mapWithConcurrency", () => {
  it("keeps at most `limit` calls in flight and the results in order", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
