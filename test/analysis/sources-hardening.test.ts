// Reading Dockerfiles from hostile places: links out of --source-root, oversized files and
// answers, tokens that cannot be a header; and the GitHub Enterprise API address.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type FetchLike, githubSource, localSource, MAX_DOCKERFILE_BYTES, SourceError } from "../../src/analysis/sources";
import { parseImagesText } from "../../src/config/images";
import { registryCredentials } from "../../src/kargo/secrets";
import { runCli } from "../cli/helpers";
import { problemsOf } from "../helpers/problems";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "if-sources-"));
const IMAGE = parseImagesText("- name: app\n  repository: acme/app\n  source: {repo: acme/app}\n", "images.yaml").images[0];

async function readError(read: Promise<string>): Promise<string> {
  try {
    await read;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return (e as Error).message;
  }
  throw new Error("expected the read to fail");
}

/** A root with acme/app/Dockerfile, and a secret file outside it. */
function estateWithLink(target: (outside: string) => string): { root: string; outside: string } {
  const root = tmp();
  const outside = path.join(tmp(), "secret.env");
  fs.writeFileSync(outside, "GITHUB_TOKEN=ghp_shouldNeverBeRead123456\n");
  fs.mkdirSync(path.join(root, "acme", "app"), { recursive: true });
  fs.symlinkSync(target(outside), path.join(root, "acme", "app", "Dockerfile"));
  return { root, outside };
}

describe("--source-root resolves real paths and refuses what lies outside", () => {
  it("a Dockerfile that links outside the root is refused unread", async () => {
    const { root } = estateWithLink((outside) => outside);
    const message = await readError(localSource(root).read(IMAGE));
    expect(message).toContain("resolves to a file outside --source-root; refusing to read it");
    expect(message).not.toContain("ghp_");
  });

  it("a link through a parent folder, and /proc/self/environ, are refused too", async () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, "acme"));
    fs.symlinkSync(os.tmpdir(), path.join(root, "acme", "app"));
    expect(await readError(localSource(root).read(IMAGE))).toMatch(/outside --source-root|not found/);
    const { root: r2 } = estateWithLink(() => "/proc/self/environ");
    expect(await readError(localSource(r2).read(IMAGE))).toContain("outside --source-root");
  });

  it("a link that stays inside the root is followed", async () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, "acme", "app"), { recursive: true });
    fs.writeFileSync(path.join(root, "shared.Dockerfile"), "FROM node:22\n");
    fs.symlinkSync(path.join(root, "shared.Dockerfile"), path.join(root, "acme", "app", "Dockerfile"));
    expect(await localSource(root).read(IMAGE)).toBe("FROM node:22\n");
  });

  it("analyze never puts another file's content on stderr or into the lock", async () => {
    const { root } = estateWithLink(() => "/proc/self/environ");
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "images.yaml"), "- name: app\n  repository: acme/app\n  source: {repo: acme/app}\n");
    const r = await runCli(["analyze", "--images", "images.yaml", "--source-root", root], dir, { GITHUB_TOKEN: "ghp_envTokenNeverShown0000" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("outside --source-root");
    expect(r.stderr + r.stdout).not.toMatch(/PATH=|ghp_/);
    expect(fs.existsSync(path.join(dir, "images.lock.yaml"))).toBe(false);
  });

  it("an oversized Dockerfile is refused with its size", async () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, "acme", "app"), { recursive: true });
    fs.writeFileSync(path.join(root, "acme", "app", "Dockerfile"), Buffer.alloc(MAX_DOCKERFILE_BYTES + 1, "#"));
    expect(await readError(localSource(root).read(IMAGE))).toContain(`is ${MAX_DOCKERFILE_BYTES + 1} bytes, more than the ${MAX_DOCKERFILE_BYTES} a Dockerfile may have`);
  });
});

describe("GitHub reads", () => {
  const ok = (body: string, headers: Record<string, string> = {}): ReturnType<FetchLike> =>
    Promise.resolve({ status: 200, headers: { get: (n: string) => headers[n.toLowerCase()] ?? null }, text: async () => body, body: new Blob([body]).stream() });

  it("an answer larger than a Dockerfile may be is refused, declared or streamed", async () => {
    const big = "#".repeat(2048);
    expect(await readError(githubSource({ fetch: () => ok(big, { "content-length": "2048" }), maxBytes: 1000 }).read(IMAGE))).toContain("is 2048 bytes, more than the 1000");
    expect(await readError(githubSource({ fetch: () => ok(big), maxBytes: 1000 }).read(IMAGE))).toContain("more than the 1000 bytes");
    expect(await githubSource({ fetch: () => ok("FROM node:22\n"), maxBytes: 1000 }).read(IMAGE)).toBe("FROM node:22\n");
  });

  it.each(["ghp_abc\ndef", "ghp_abc\r\nX-Injected: 1", "  ", "ghp_\u2028x", "ghp_é"])("a header-unsafe token %j is refused before any request, once, without echo", async (token) => {
    let calls = 0;
    const source = githubSource({ token, fetch: () => (calls++, ok("FROM x\n")), sleep: async () => undefined });
    const message = await readError(source.read(IMAGE));
    expect(calls).toBe(0);
    expect(message).toMatch(/^GITHUB_TOKEN (is empty|holds a character a token cannot have)/);
    expect(message).not.toContain("ghp_");
  });

  it("analyze refuses such a GITHUB_TOKEN as a config error (exit 1, no echo)", async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "images.yaml"), "- name: app\n  repository: acme/app\n  source: {repo: acme/app}\n");
    const r = await runCli(["analyze", "--images", "images.yaml"], dir, { GITHUB_TOKEN: "ghp_secretPart\nsecondLine" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("GITHUB_TOKEN: holds a character a token cannot have (a blank, a line break, a control or non-ASCII character): set it again without it\n1 problem found.\n");
  });

  it("GITHUB_API_URL points analyze at GitHub Enterprise Server; a non-https one is refused", async () => {
    const urls: string[] = [];
    const source = githubSource({ apiUrl: "https://github.example.com/api/v3/", fetch: (url) => (urls.push(url), ok("FROM node:22\n")) });
    await source.read(IMAGE);
    expect(urls).toEqual(["https://github.example.com/api/v3/repos/acme/app/contents/Dockerfile?ref=main"]);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "images.yaml"), "- name: app\n  repository: acme/app\n  source: {repo: acme/app}\n");
    const r = await runCli(["analyze", "--images", "images.yaml"], dir, { GITHUB_API_URL: "http://github.example.com/api/v3" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("GITHUB_API_URL: must be an https:// URL");
  });
});

describe("registry credentials are unique per host", () => {
  it("Kargo image credentials for hosts differing only in punctuation are refused", () => {
    const registries = { "registry.acme.com": { username: "a" }, "registry-acme.com": { username: "b" } };
    expect(problemsOf(() => registryCredentials(registries, ["registry.acme.com", "registry-acme.com"], "Pulumi.dev.yaml"))).toEqual([
      "Pulumi.dev.yaml: image-factory:registries.registry.acme.com: and registries.registry-acme.com would share the credential Secret registry-registry-acme-com; Kargo would log in to one with the other's token. Keep credentials for one of them only",
    ]);
  });

  it("workflow REGISTRY_* secrets for such hosts are refused in images.yaml", () => {
    const text = "- name: one\n  registry: registry.acme.com\n  repository: acme/one\n  source: {repo: acme/one}\n- name: two\n  registry: registry-acme.com\n  repository: acme/two\n  source: {repo: acme/two}\n";
    expect(problemsOf(() => parseImagesText(text, "images.yaml"))).toEqual([
      'images.yaml: image "two": registry: registry-acme.com and registry.acme.com would share the workflow secrets REGISTRY_REGISTRY_ACME_COM_USERNAME and _PASSWORD, so a build could send one registry\'s password to the other: use one spelling of the host',
    ]);
  });
});
