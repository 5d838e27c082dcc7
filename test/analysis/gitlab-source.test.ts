// analyze reading Dockerfiles of GitLab sources through GitLab's repository files API
// (GET /api/v4/projects/:id/repository/files/:file_path/raw?ref=, gitlab-org/gitlab
// doc/api/repository_files.md "Get raw file from repository"), with a fake fetch.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type FetchLike, githubSource, gitlabSource, localSource, providerSource, SourceError } from "../../src/analysis/sources";
import { parseImagesText } from "../../src/config/images";
import { runCli } from "../cli/helpers";
import { fakeFetch } from "../helpers/fake-fetch";

const TOKEN = "glpat-CANARY-never-in-a-message";

const { images } = parseImagesText(
  [
    "- name: docs",
    "  repository: acme/docs",
    "  source: {provider: gitlab, repo: acme/web/docs, branch: release/2, dockerfile: 'site/web app/Dockerfile'}",
    "- name: tools",
    "  repository: acme/tools",
    "  source: {provider: gitlab, host: 'git.acme.example:8443', repo: infra/tools}",
    "- name: api",
    "  repository: acme/api",
    "  source: {repo: acme/api}",
    "",
  ].join("\n"),
  "images.yaml",
);
const [docs, tools, api] = images;
const DOCS = "https://gitlab.com/api/v4/projects/acme%2Fweb%2Fdocs/repository/files/site%2Fweb%20app%2FDockerfile/raw?ref=release%2F2";
const TOOLS = "https://git.acme.example:8443/api/v4/projects/infra%2Ftools/repository/files/Dockerfile/raw?ref=main";

function source(fetch: FetchLike, extra: Partial<Parameters<typeof gitlabSource>[0]> = {}) {
  const sleeps: number[] = [];
  const src = gitlabSource({ fetch, token: TOKEN, hosts: ["gitlab.com", "git.acme.example:8443"], sleep: async (ms) => void sleeps.push(ms), now: () => 1_700_000_000_000, ...extra });
  return { src, sleeps };
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    expect((e as Error).message).not.toContain(TOKEN);
    return e as SourceError;
  }
  throw new Error("expected a SourceError");
}

describe("gitlabSource", () => {
  it("reads the raw file at the image's branch, the project and file paths URL-encoded, the token in PRIVATE-TOKEN", async () => {
    const { fetch, calls } = fakeFetch({ [DOCS]: [{ status: 200, body: "FROM node:22\n" }], [TOOLS]: [{ status: 200, body: "FROM python:3.12\n" }] });
    const { src } = source(fetch);
    expect(await src.read(docs)).toBe("FROM node:22\n");
    expect(await src.read(tools)).toBe("FROM python:3.12\n");
    expect(calls.map((c) => c.url)).toEqual([DOCS, TOOLS]);
    expect(calls[0].headers["PRIVATE-TOKEN"]).toBe(TOKEN);
    expect(calls[0].url).not.toContain(TOKEN);
    expect(src.locate(docs)).toBe("gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile");
  });

  it("sends no token header without GITLAB_TOKEN (public projects)", async () => {
    const { fetch, calls } = fakeFetch({ [TOOLS]: [{ status: 200, body: "FROM x\n" }] });
    await gitlabSource({ fetch, hosts: ["git.acme.example:8443"] }).read(tools);
    expect(calls[0].headers["PRIVATE-TOKEN"]).toBeUndefined();
  });

  it("retries 429 after Retry-After (or RateLimit-Reset), 5xx and network errors with backoff, then reads", async () => {
    const { fetch, calls } = fakeFetch({
      [DOCS]: [
        { status: 429, body: "Retry later\n", headers: { "Retry-After": "7" } },
        { status: 429, headers: { "RateLimit-Reset": String(1_700_000_000 + 3) } },
        { status: 502 },
        new Error("socket hang up"),
        { status: 200, body: "FROM node:22\n" },
      ],
    });
    const { src, sleeps } = source(fetch, { baseDelayMs: 100 });
    expect(await src.read(docs)).toBe("FROM node:22\n");
    expect(calls).toHaveLength(5);
    expect(sleeps).toEqual([7000, 3000, 400, 800]);
  });

  it("gives up after the last attempt with what went wrong, and reports a wait longer than allowed instead of waiting", async () => {
    const { fetch } = fakeFetch({ [DOCS]: [{ status: 503 }] });
    expect((await failure(source(fetch, { maxAttempts: 3, baseDelayMs: 1 }).src.read(docs))).message).toBe(
      "GitLab answered 503 reading gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile, after 3 attempts",
    );
    const slow = fakeFetch({ [DOCS]: [{ status: 429, headers: { "Retry-After": "3600" } }] });
    expect((await failure(source(slow.fetch).src.read(docs))).message).toContain("GitLab asks to wait 3600s, try again later");
  });

  it("fails at once on 404, 401, 403 and other 4xx, naming the file and what to check", async () => {
    const cases: Array<[number, string]> = [
      [404, "not found on GitLab: gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile (check source.host, source.repo, source.branch and source.dockerfile; the token may lack access to the project)"],
      [401, "GitLab rejected the credentials (401) reading gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile: check GITLAB_TOKEN"],
      [403, "GitLab refused access (403) to gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile: check GITLAB_TOKEN's scopes (read_api or read_repository)"],
      [400, "GitLab answered 400 reading gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile"],
    ];
    for (const [status, message] of cases) {
      const { fetch, calls } = fakeFetch({ [DOCS]: [{ status, body: `{"message":"${TOKEN}"}` }] });
      expect((await failure(source(fetch).src.read(docs))).message, String(status)).toBe(message);
      expect(calls, String(status)).toHaveLength(1);
    }
    const anonymous = fakeFetch({ [DOCS]: [{ status: 404 }] });
    expect((await failure(gitlabSource({ fetch: anonymous.fetch }).read(docs))).message).toContain("a private project needs GITLAB_TOKEN");
  });

  it("refuses a token that cannot be a header value, before any request and without showing it", async () => {
    const { fetch, calls } = fakeFetch({});
    const bad = `${TOKEN}\n`;
    const error = await failure(gitlabSource({ fetch, token: bad }).read(docs));
    expect(error.message).toMatch(/^GITLAB_TOKEN /);
    expect(calls).toHaveLength(0);
  });

  it("reads only from the hosts GITLAB_TOKEN is for (default gitlab.com), refusing any other before a request", async () => {
    const { fetch, calls } = fakeFetch({ [DOCS]: [{ status: 200, body: "FROM node:22\n" }], [TOOLS]: [{ status: 200, body: "FROM python:3.12\n" }] });
    const { src } = source(fetch, { hosts: undefined });
    expect(await src.read(docs)).toBe("FROM node:22\n");
    const refused = await failure(src.read(tools));
    expect(refused.message).toBe(
      "not read: GitLab host git.acme.example:8443 is not one of the hosts GITLAB_TOKEN is for (gitlab.com): add it to the stack's image-factory:gitlab.hosts if the token belongs to it, or fix source.host",
    );
    // Not a request to that host at all, so not a token either.
    expect(calls.map((c) => c.url)).toEqual([DOCS]);
    const listed = source(fetch, { hosts: ["git.acme.example:8443"], hostsHint: "change the list" }).src;
    expect((await failure(listed.read(docs))).message).toBe("not read: GitLab host gitlab.com is not one of the hosts GITLAB_TOKEN is for (git.acme.example:8443): change the list");
  });

  it("refuses a Dockerfile larger than the limit", async () => {
    const { fetch } = fakeFetch({ [DOCS]: [{ status: 200, body: "x".repeat(100), headers: { "Content-Length": "100" } }] });
    expect((await failure(source(fetch, { maxBytes: 10 }).src.read(docs))).message).toContain("GitLab's answer for gitlab.com/acme/web/docs@release/2:site/web app/Dockerfile is 100 bytes");
  });
});

describe("one estate, two providers", () => {
  it("reads each image from its own provider", async () => {
    const gl = fakeFetch({ [TOOLS]: [{ status: 200, body: "FROM gitlab\n" }] });
    const gh = fakeFetch({ "https://api.github.com/repos/acme/api/contents/Dockerfile?ref=main": [{ status: 200, body: "FROM github\n" }] });
    const src = providerSource(githubSource({ fetch: gh.fetch }), gitlabSource({ fetch: gl.fetch, hosts: ["git.acme.example:8443"] }));
    expect(await src.read(tools)).toBe("FROM gitlab\n");
    expect(await src.read(api)).toBe("FROM github\n");
    expect(src.locate(api)).toBe("acme/api@main:Dockerfile");
  });

  it("lays GitLab sources out under <root>/<host>/<full path> in a local tree (a port after _)", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-src-"));
    try {
      fs.mkdirSync(path.join(root, "git.acme.example_8443", "infra", "tools"), { recursive: true });
      fs.writeFileSync(path.join(root, "git.acme.example_8443", "infra", "tools", "Dockerfile"), "FROM local\n");
      expect(await localSource(root).read(tools)).toBe("FROM local\n");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("analyze with GitLab sources", () => {
  it("refuses a GITLAB_TOKEN that cannot be a header value as a config error (exit 1, no echo)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-cli-"));
    try {
      fs.writeFileSync(path.join(dir, "images.yaml"), "- name: app\n  repository: acme/app\n  source: {provider: gitlab, repo: acme/app}\n");
      const r = await runCli(["analyze", "--images", "images.yaml"], dir, { GITLAB_TOKEN: "glpat-secretPart\nsecondLine" });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("GITLAB_TOKEN: holds a character a token cannot have (a blank, a line break, a control or non-ASCII character): set it again without it\n1 problem found.\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("analyze and the stack's GitLab hosts", () => {
  const text = "- name: tools\n  repository: acme/tools\n  source: {provider: gitlab, host: evil.example, repo: acme/tools}\n";

  it("without a stack reads only gitlab.com: another host is a problem naming the image, and gets no request", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-hosts-cli-"));
    try {
      fs.writeFileSync(path.join(dir, "images.yaml"), text);
      const r = await runCli(["analyze", "--images", "images.yaml"], dir, { GITLAB_TOKEN: TOKEN });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("tools");
      expect(r.stderr).toContain(
        "not read: GitLab host evil.example is not one of the hosts GITLAB_TOKEN is for (gitlab.com): without a stack only the default hosts are read; run analyze --stack with a stack whose image-factory:gitlab.hosts lists the host, or fix source.host",
      );
      expect(r.stderr + r.stdout).not.toContain(TOKEN);
      expect(fs.existsSync(path.join(dir, "images.lock.yaml"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with a stack reads the hosts of its image-factory:gitlab.hosts, and names that key when refusing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-hosts-cli-"));
    try {
      const images = path.join(dir, "images.yaml");
      fs.writeFileSync(images, text);
      const refused = await runCli(["analyze", "--stack", "dev", "--config", `images=${images}`, "--check"], dir, { GITLAB_TOKEN: TOKEN });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("is not one of the hosts GITLAB_TOKEN is for (gitlab.com): add it to image-factory:gitlab.hosts in Pulumi.dev.yaml if the token belongs to it, or fix source.host");
      // Listed: the host is read (here the fake host cannot be reached; the refusal is gone).
      const { gitlabSource } = await import("../../src/analysis/sources");
      const { fetch, calls } = fakeFetch({ "https://evil.example/api/v4/projects/acme%2Ftools/repository/files/Dockerfile/raw?ref=main": [{ status: 200, body: "FROM node:22\n" }] });
      const tools = parseImagesText(text, "images.yaml").images[0];
      expect(await gitlabSource({ fetch, token: TOKEN, hosts: ["evil.example"] }).read(tools)).toBe("FROM node:22\n");
      expect(calls[0].headers["PRIVATE-TOKEN"]).toBe(TOKEN);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the lock of GitLab sources", () => {
  const text = (host: string) =>
    `- name: docs\n  repository: acme/docs\n  source: {provider: gitlab, host: ${host}, repo: acme/docs}\n- name: same-path-on-github\n  repository: acme/gh\n  source: {repo: acme/docs}\n`;

  it("records the host, reads each provider's file once even where the paths look alike, and goes stale when the host changes", async () => {
    const { analyzeEstate, parseLock, serializeLock } = await import("../../src/analysis/lock");
    const { buildEstate } = await import("../../src/model/estate");
    const reads: string[] = [];
    const src = { locate: (i: (typeof images)[number]) => i.name, read: async (i: (typeof images)[number]) => (reads.push(i.name), "FROM node:22\n") };
    const file = parseImagesText(text("gitlab.example.com"), "images.yaml");
    const result = await analyzeEstate(file, { source: src });
    expect(reads.sort()).toEqual(["docs", "same-path-on-github"]);
    const lockText = serializeLock(result.lock!);
    expect(lockText).toContain("    inputs:\n      repo: acme/docs\n      host: gitlab.example.com\n      branch: main\n");
    const lock = parseLock(lockText, "images.lock.yaml");
    expect(() => buildEstate(file, lock)).not.toThrow();
    expect(() => buildEstate(parseImagesText(text("gitlab.com"), "images.yaml"), lock)).toThrow(/source\.host is "gitlab\.com", the lock has "gitlab\.example\.com"/);
  });
});
