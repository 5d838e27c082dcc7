// `image-factory render` as a user runs it: one process per render.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { copyExampleEstate, imageFactory, readTree } from "./child";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "if-render-"));

describe("image-factory render", () => {
  it("writes the same bytes for the same input", () => {
    const dir = tmp();
    const a = imageFactory(["render", "--out", path.join(dir, "a")]);
    const b = imageFactory(["render", "--stack", "dev", "--out", path.join(dir, "b")]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toMatch(/stack dev: \d+ resources, \d+ Kubernetes objects, \d+ GitHub files/);
    const ta = readTree(path.join(dir, "a"));
    const tb = readTree(path.join(dir, "b"));
    expect([...ta.keys()]).toEqual([...tb.keys()]);
    for (const [file, content] of ta) expect(content.equals(tb.get(file)!), file).toBe(true);
  });

  it("says what it assumed in notes, and with --quiet only results and problems", () => {
    const dir = tmp();
    const loud = imageFactory(["render", "--out", path.join(dir, "a")]);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/^note: /m);
    const quiet = imageFactory(["render", "--quiet", "--out", path.join(dir, "b")]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/^note: /m);
    expect(readTree(path.join(dir, "b")).size).toBe(readTree(path.join(dir, "a")).size);
  });

  it("keeps a token given with --config secret: not in any file, in any form", () => {
    const dir = tmp();
    const token = "ghp_RenderTestToken4242424242424242";
    const run = imageFactory(["render", "--config", `image-factory:githubToken=${token}`, "--config", "githubProviderToken=gpt_Other77777777", "--out", dir]);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(token);
    const forms = [token, Buffer.from(token).toString("base64").slice(0, 40), encodeURIComponent(token), "gpt_Other77777777"];
    for (const [file, content] of readTree(dir)) {
      for (const form of forms) expect(content.toString("utf8").includes(form), `${file} holds the secret`).toBe(false);
    }
    const secret = fs.readFileSync(path.join(dir, "kubernetes", "secret_image-factory_github-credentials.yaml"), "utf8");
    expect(secret).toContain('stringData: "[secret]"');
  });

  it("declares a registry credential from a username and a secret token, the token in no file", () => {
    const dir = tmp();
    const token = "ghp_RegistryReadPackages99999999999";
    const run = imageFactory([
      "render",
      "--config",
      `registries=${JSON.stringify({ "ghcr.io": { username: "acme-bot" } })}`,
      "--config",
      `registryTokens=${JSON.stringify({ "ghcr.io": token })}`,
      "--out",
      dir,
    ]);
    expect(run.stderr).not.toContain(token);
    expect(run.code).toBe(0);
    const secret = fs.readFileSync(path.join(dir, "kubernetes", "secret_image-factory_registry-ghcr-io.yaml"), "utf8");
    expect(secret).toContain('stringData: "[secret]"');
    expect(secret).toContain("kargo.akuity.io/cred-type: image");
    const forms = [token, Buffer.from(token).toString("base64").slice(0, 30), encodeURIComponent(token)];
    for (const [file, content] of readTree(dir)) for (const form of forms) expect(content.toString("utf8").includes(form), `${file} holds the token`).toBe(false);
    // A username without its token stops the render before anything is declared.
    const missing = imageFactory(["render", "--config", `registries=${JSON.stringify({ "ghcr.io": { username: "acme-bot" } })}`, "--out", tmp()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("image-factory:registryTokens.ghcr.io: is required because registries.ghcr.io.username is set");
  });

  it("exits 1 on invalid input, prints the problem without a stack trace and writes nothing", () => {
    const estate = copyExampleEstate();
    const images = path.join(estate, "images.yaml");
    fs.writeFileSync(images, fs.readFileSync(images, "utf8").replace("rebuildDelay: 3d", "rebuildDelya: 3d"));
    const out = path.join(estate, "out");
    const run = imageFactory(["render", "--images", images, "--out", out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('image "uv": rebuildDelya: unknown key rebuildDelya, did you mean rebuildDelay?');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(estate).filter((f) => f.includes("render"))).toEqual([]);
  });

  it("leaves an earlier render in place when a new one fails, and replaces it when it succeeds", () => {
    const estate = copyExampleEstate();
    const images = path.join(estate, "images.yaml");
    const out = path.join(estate, "out");
    expect(imageFactory(["render", "--images", images, "--out", out]).code).toBe(0);
    const before = readTree(out);
    fs.writeFileSync(path.join(estate, "images.yaml.good"), fs.readFileSync(images));
    fs.writeFileSync(images, "- name: Not Valid\n");
    expect(imageFactory(["render", "--images", images, "--out", out]).code).toBe(1);
    expect(readTree(out)).toEqual(before);
    fs.copyFileSync(path.join(estate, "images.yaml.good"), images);
    expect(imageFactory(["render", "--images", images, "--out", out]).code).toBe(0);
  });

  it("refuses to replace a folder that is not a render", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "keep.txt"), "mine\n");
    const run = imageFactory(["render", "--out", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not empty and not a folder image-factory render wrote (it has no inventory)");
    expect(fs.readdirSync(dir)).toEqual(["keep.txt"]);
  });

  it("exits 2 on usage errors", () => {
    const noOut = imageFactory(["render"]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("--out DIR is required");
    expect(imageFactory(["render", "--out", tmp(), "--stack", "../x"]).code).toBe(2);
    expect(imageFactory(["plan", "--format", "yaml"]).code).toBe(2);
  });

  it("names a stack without a stack file", () => {
    const run = imageFactory(["render", "--stack", "staging", "--out", tmp()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Pulumi.staging.yaml: no such stack file (stacks: dev, prod)");
  });

  it("renders a promoted stack with a note, not a warning, about the upstream it cannot read", () => {
    const dir = tmp();
    const run = imageFactory(["render", "--stack", "prod", "--out", dir]);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "render.json"), "utf8")) as { notes: string[]; diagnostics: string[] };
    expect(manifest.notes).toContain("render cannot read stack acme/image-factory/dev, so it cannot tell whether that stack has applied this estate revision; `pulumi up` checks");
    expect(manifest.diagnostics.filter((d) => d.includes("has not applied"))).toEqual([]);
    expect(run.stderr).not.toContain("has not applied");
    // Rendered as `pulumi up` would run it, the guard refuses: nothing says dev has applied it.
    const up = imageFactory(["render", "--stack", "prod", "--up", "--out", tmp()]);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain("image-factory:promotion.from: stack acme/image-factory/dev has not applied estate revision");
  });
});
