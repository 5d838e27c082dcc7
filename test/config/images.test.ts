import { describe, expect, it } from "vitest";
import { formatProblem, type Problem, UserError } from "../../src/config/errors";
import { parseImagesText } from "../../src/config/images";

const FILE = "images.yaml";

/** A valid image entry as YAML lines, with `overrides` replacing or adding top-level lines. */
function image(extra = ""): string {
  return `- name: app
  repository: acme/app
  source:
    repo: acme/app
    dockerfile: docker/Dockerfile
${extra}`;
}

function problemsOf(text: string): Problem[] {
  try {
    parseImagesText(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).problems;
  }
  throw new Error("expected the file to be rejected");
}

function messagesOf(text: string): string[] {
  return problemsOf(text).map(formatProblem);
}

describe("images.yaml: valid input and defaults", () => {
  it("applies every documented default", () => {
    const { images, bases } = parseImagesText(image(), FILE);
    expect(bases).toEqual([]);
    expect(images).toEqual([
      {
        name: "app",
        registry: "ghcr.io",
        repository: "acme/app",
        source: {
          provider: "github",
          repo: "acme/app",
          branch: "main",
          dockerfile: "docker/Dockerfile",
          context: "docker",
          generatedWorkflow: true,
          workflow: "image-factory-build.yml",
          workflowInputs: ["version_bump", "triggered_by", "base_image", "base_digest", "dry_run"],
        },
        rebuildDelay: "7d",
        autoRebuild: true,
        buildArgs: {},
        platforms: ["linux/amd64"],
        versionBump: "patch",
        updates: [],
        rebuildOn: "all",
        ignoreBases: [],
        scan: { failOn: ["CRITICAL"], ignoreUnfixed: true },
      },
    ]);
  });

  it("defaults the Dockerfile to the repository root and the context to its folder", () => {
    const { images } = parseImagesText("- name: a\n  repository: x/a\n  source: {repo: x/a}\n", FILE);
    expect(images[0].source.dockerfile).toBe("Dockerfile");
    expect(images[0].source.context).toBe(".");
  });

  it("an image with its own workflow dispatches the original's three inputs unless it says otherwise", () => {
    const own = parseImagesText(image("  autoRebuild: false\n").replace("dockerfile: docker/Dockerfile", "dockerfile: docker/Dockerfile\n    workflow: app.yml"), FILE);
    expect(own.images[0].source).toMatchObject({ generatedWorkflow: false, workflow: "app.yml", workflowInputs: ["version_bump", "triggered_by", "base_image"] });
    expect(own.images[0].autoRebuild).toBe(false);
    const declared = parseImagesText(
      image().replace("dockerfile: docker/Dockerfile", "dockerfile: docker/Dockerfile\n    workflow: app.yaml\n    workflowInputs: [version_bump]"),
      FILE,
    );
    expect(declared.images[0].source.workflowInputs).toEqual(["version_bump"]);
  });

  it("an empty file is an empty estate", () => {
    expect(parseImagesText("", FILE)).toEqual({ file: FILE, images: [], bases: [] });
    expect(parseImagesText("# nothing enrolled yet\n", FILE).images).toEqual([]);
  });

  it("accepts base declarations with their own tag policy, platform and interval", () => {
    const { bases } = parseImagesText(
      `${image()}- base: node:22-bookworm-slim\n  interval: 2h\n- base: ghcr.io/acme/tools\n  tagPolicy: semver\n  constraint: ^1.2.0\n  platform: linux/arm64\n`,
      FILE,
    );
    expect(bases).toEqual([
      { base: "node:22-bookworm-slim", tagPolicy: "digest", interval: "2h" },
      { base: "ghcr.io/acme/tools", tagPolicy: "semver", constraint: "^1.2.0", platform: "linux/arm64" },
    ]);
  });

  it("rejects platform on a digest-followed base: Kargo follows the index digest and would never find a single-platform tag", () => {
    expect(messagesOf("- base: node:22\n  platform: linux/amd64\n")).toEqual([
      expect.stringMatching(/^images\.yaml:2: base "node:22": platform: does not apply when tagPolicy is digest: Kargo follows the digest of the tag's multi-platform index/),
    ]);
  });

  it("accepts every documented field", () => {
    const { images } = parseImagesText(
      image(`  registry: registry.example.com:5000
  rebuildDelay: 1d12h
  autoRebuild: false
  buildArgs: {NODE_MAJOR: "22", _X: ""}
  platforms: [linux/amd64, linux/arm64, linux/arm/v7]
  versionBump: minor
  rebuildOn: runtime
  ignoreBases: [busybox]
  updates:
    - repo: acme/deploy
      path: apps/app/kustomization.yaml
      type: kustomize-set-image
    - repo: acme/deploy
      path: charts/app/values.yaml
      type: yaml-update
      key: image.tag
      branch: release/1.x
`),
      FILE,
    );
    expect(images[0]).toMatchObject({
      registry: "registry.example.com:5000",
      rebuildDelay: "1d12h",
      versionBump: "minor",
      platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"],
      updates: [
        { repo: "acme/deploy", path: "apps/app/kustomization.yaml", type: "kustomize-set-image", branch: "main" },
        { repo: "acme/deploy", path: "charts/app/values.yaml", type: "yaml-update", key: "image.tag", branch: "release/1.x" },
      ],
    });
  });
});

describe("images.yaml: each field's bad value gets a message naming file, image, field and line", () => {
  // [field line to append or replace, expected "file:line: subject: field: message" fragment]
  const cases: Array<[string, string, string]> = [
    ["name", image().replace("name: app", "name: My_App"), 'images.yaml:1: image "My_App": name: must be a DNS-1123 label'],
    ["name too long", image().replace("name: app", `name: ${"a".repeat(64)}`), "name: must be at most 63 characters"],
    ["registry", image("  registry: GHCR.io/x\n"), 'images.yaml:6: image "app": registry: must be a lowercase registry host'],
    ["repository uppercase", image().replace("repository: acme/app", "repository: Acme/App"), 'images.yaml:2: image "app": repository: must be a lowercase OCI repository path'],
    ["repository separators", image().replace("repository: acme/app", "repository: acme//app"), "repository: must be a lowercase OCI repository path"],
    ["source.provider", image().replace("repo: acme/app", "provider: bitbucket\n    repo: acme/app"), 'image "app": source.provider: must be github or gitlab, got "bitbucket"'],
    ["gitlab source.repo without a group", image().replace("repo: acme/app", "provider: gitlab\n    repo: app"), 'images.yaml:5: image "app": source.repo: must be a GitLab project\'s full path, group/project (with any subgroups between), got "app"'],
    ["gitlab source.repo .git", image().replace("repo: acme/app", "provider: gitlab\n    repo: acme/web/app.git"), 'source.repo: has the project "app.git", which must not end in .git or .atom (write the path without .git)'],
    ["gitlab source.repo group ending in a dot", image().replace("repo: acme/app", "provider: gitlab\n    repo: acme./app"), 'source.repo: has the group "acme.", which must not end in \'.\''],
    ["gitlab source.repo leading dash", image().replace("repo: acme/app", "provider: gitlab\n    repo: acme/-app"), 'source.repo: has the project "-app", which may hold only letters, digits, \'_\', \'-\' and \'.\', and must not start with \'-\''],
    ["gitlab source.repo empty segment", image().replace("repo: acme/app", "provider: gitlab\n    repo: acme//app"), "source.repo: must not have an empty segment"],
    ["gitlab source.repo too deep", image().replace("repo: acme/app", `provider: gitlab\n    repo: ${Array.from({ length: 22 }, (_, i) => `g${i}`).join("/")}`), "source.repo: must have at most 20 groups and subgroups before the project"],
    ["gitlab source.host scheme", image().replace("repo: acme/app", "provider: gitlab\n    host: https://gitlab.example.com\n    repo: acme/app"), 'images.yaml:5: image "app": source.host: must be a lowercase host name with a dot, optionally with a port'],
    ["gitlab source.host without a dot", image().replace("repo: acme/app", "provider: gitlab\n    host: gitlab\n    repo: acme/app"), "source.host: must be a lowercase host name with a dot"],
    ["gitlab source.host port", image().replace("repo: acme/app", "provider: gitlab\n    host: gitlab.example.com:99999\n    repo: acme/app"), "source.host: has a port above 65535"],
    ["source.host on github", image().replace("repo: acme/app", "host: gitlab.example.com\n    repo: acme/app"), 'images.yaml:4: image "app": source.host: only applies when provider is gitlab'],
    ["gitlab source.workflow", image().replace("repo: acme/app", "provider: gitlab\n    repo: acme/app\n    workflow: build.yml"), "source.workflow: does not apply to a GitLab source: rebuilds create a pipeline of the project's .gitlab-ci.yml"],
    ["gitlab source.workflowInputs", image().replace("repo: acme/app", "provider: gitlab\n    repo: acme/app\n    workflowInputs: [version_bump]"), "source.workflowInputs: does not apply to a GitLab source"],
    ["source.repo", image().replace("repo: acme/app", "repo: acme"), 'images.yaml:4: image "app": source.repo: must be a GitHub repository as owner/name, got "acme"'],
    ["source.repo .git", image().replace("repo: acme/app", "repo: acme/app.git"), "source.repo: must be owner/name without .git"],
    ["source.branch", image().replace("repo: acme/app", "repo: acme/app\n    branch: feature..x"), 'images.yaml:5: image "app": source.branch: must be a valid git branch name'],
    ["source.branch lock", image().replace("repo: acme/app", "repo: acme/app\n    branch: refs/x.lock"), "source.branch: must be a valid git branch name"],
    ["source.dockerfile ..", image().replace("docker/Dockerfile", "../Dockerfile"), 'images.yaml:5: image "app": source.dockerfile: must not contain \'..\''],
    ["source.dockerfile absolute", image().replace("docker/Dockerfile", "/srv/Dockerfile"), "source.dockerfile: must be relative to the repository root, not absolute"],
    ["source.context", image().replace("docker/Dockerfile", "docker/Dockerfile\n    context: a/../../b"), "source.context: must not contain '..'"],
    ["source.workflow path", image().replace("docker/Dockerfile", "docker/Dockerfile\n    workflow: .github/workflows/b.yml"), "source.workflow: must be a workflow file name under .github/workflows"],
    ["source.workflow extension", image().replace("docker/Dockerfile", "docker/Dockerfile\n    workflow: build.json"), "source.workflow: must be a workflow file name"],
    ["source.workflowInputs value", image().replace("docker/Dockerfile", "docker/Dockerfile\n    workflow: b.yml\n    workflowInputs: [tag]"), "source.workflowInputs[0]: must be one of version_bump, triggered_by, base_image, base_digest"],
    ["source.workflowInputs without workflow", image().replace("docker/Dockerfile", "docker/Dockerfile\n    workflowInputs: [version_bump]"), "source.workflowInputs: only applies to an image with its own source.workflow"],
    ["rebuildDelay", image("  rebuildDelay: 7days\n"), 'images.yaml:6: image "app": rebuildDelay: must be a duration such as 30m, 12h, 7d or 2w (units s, m, h, d, w), got "7days"'],
    ["rebuildDelay number", image("  rebuildDelay: 7\n"), "rebuildDelay: must be a string, got number 7"],
    ["autoRebuild", image("  autoRebuild: yes please\n"), 'images.yaml:6: image "app": autoRebuild: must be true or false, got string "yes please"'],
    ["buildArgs value", image("  buildArgs:\n    VERSION: 1.20\n"), 'images.yaml:7: image "app": buildArgs.VERSION: must be a string (quote numbers), got number 1.2'],
    ["buildArgs name", image('  buildArgs:\n    "1BAD": x\n'), "buildArgs.1BAD: must be a valid ARG name"],
    ["buildArgs shape", image("  buildArgs: [A=1]\n"), "buildArgs: must be a mapping, got a list"],
    ["platforms", image("  platforms: [amd64]\n"), 'images.yaml:6: image "app": platforms[0]: must be a platform such as linux/amd64'],
    ["platforms empty", image("  platforms: []\n"), "platforms: must list at least one platform"],
    ["versionBump", image("  versionBump: huge\n"), 'images.yaml:6: image "app": versionBump: must be patch, minor or major, got "huge"'],
    ["updates.type", image("  updates:\n    - repo: a/b\n      path: k.yaml\n      type: helm\n"), 'images.yaml:9: image "app": updates[0].type: must be kustomize-set-image or yaml-update, got "helm"'],
    ["updates.key missing", image("  updates:\n    - repo: a/b\n      path: v.yaml\n      type: yaml-update\n"), 'images.yaml:7: image "app": updates[0].key: is required when type is yaml-update'],
    ["updates.key misplaced", image("  updates:\n    - repo: a/b\n      path: k.yaml\n      type: kustomize-set-image\n      key: x\n"), "updates[0].key: only applies when type is yaml-update"],
    ["updates.repo", image("  updates:\n    - repo: nope\n      path: k.yaml\n      type: kustomize-set-image\n"), 'images.yaml:7: image "app": updates[0].repo: must be a GitHub repository as owner/name'],
    ["rebuildOn", image("  rebuildOn: build\n"), "rebuildOn: must be all or runtime"],
    ["base tagPolicy", `- base: node:22\n  tagPolicy: newest\n`, 'images.yaml:2: base "node:22": tagPolicy: must be digest, semver or lexical, got "newest"'],
    ["base constraint", `- base: node\n  tagPolicy: lexical\n`, 'images.yaml:1: base "node": constraint: is required when tagPolicy is lexical'],
    ["base bad regex", `- base: node\n  tagPolicy: lexical\n  constraint: "^(22"\n`, "constraint: must be a regular expression Kargo can compile (Go's RE2 syntax: no lookaround, backreferences or possessive quantifiers): missing closing ): `^(22`"],
    ["base platform", `- base: node:22\n  platform: linux/arm/v7\n`, "platform: must be os/arch, such as linux/amd64"],
    ["base interval", `- base: node:22\n  interval: soon\n`, 'images.yaml:2: base "node:22": interval: must be a duration'],
  ];
  it.each(cases)("%s", (_label, text, expected) => {
    const messages = messagesOf(text);
    expect(messages.some((m) => m.includes(expected)), `expected one of\n${messages.join("\n")}\nto contain\n${expected}`).toBe(true);
  });

  it("a missing required field says it is required, at the entry's line", () => {
    expect(messagesOf("- name: a\n  source: {repo: a/b}\n")).toEqual(['images.yaml:1: image "a": repository: is required']);
    expect(messagesOf("- name: a\n  repository: a/b\n")).toEqual(['images.yaml:1: image "a": source: is required']);
  });

  it("names an image by its index when it has no name", () => {
    expect(messagesOf(`${image()}- repository: a/b\n  source: {repo: a/b}\n`)).toEqual(["images.yaml:6: image #2: name: is required"]);
  });

  it("reports every problem in the file at once, in line order", () => {
    const messages = messagesOf(
      `- name: A\n  repository: a/b\n  source: {repo: a/b}\n  versionBump: x\n- name: b\n  repository: B\n  source: {repo: a/b}\n`,
    );
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => m.split(":")[1])).toEqual(["1", "4", "6"]);
  });
});

describe("images.yaml: unknown keys", () => {
  it("suggests the nearest known key", () => {
    expect(messagesOf(image("  rebuildDelya: 7d\n"))).toEqual(['images.yaml:6: image "app": rebuildDelya: unknown key rebuildDelya, did you mean rebuildDelay?']);
    expect(messagesOf(image().replace("repo: acme/app", "repo: acme/app\n    brnach: main"))).toEqual([
      'images.yaml:5: image "app": source.brnach: unknown key brnach, did you mean branch?',
    ]);
    expect(messagesOf(image("  AutoRebuild: true\n"))[0]).toContain("did you mean autoRebuild?");
    expect(messagesOf(image("  updates:\n    - repo: a/b\n      path: v.yaml\n      type: yaml-update\n      kye: x\n"))).toContain(
      'images.yaml:10: image "app": updates[0].kye: unknown key kye, did you mean key?',
    );
  });

  it("lists the known keys when nothing is close", () => {
    const [message] = messagesOf(image("  zzzzzzzz: 1\n"));
    expect(message).toContain("unknown key zzzzzzzz (known keys: autoRebuild, buildArgs, ignoreBases, name, platforms");
  });

  it("rejects the original's state-file keys rather than ignoring them", () => {
    expect(messagesOf(image("  allowTags: ^latest$\n"))[0]).toContain("unknown key allowTags");
    expect(messagesOf(image().replace("repo: acme/app", "repo: acme/app\n    patchFile: x.patch"))[0]).toContain("source.patchFile: unknown key patchFile");
  });
});

describe("images.yaml: duplicates", () => {
  it("rejects a duplicate image name, pointing at both lines", () => {
    expect(messagesOf(`${image()}${image().replace("acme/app\n  source", "acme/other\n  source")}`)).toEqual([
      'images.yaml:6: image "app": name: duplicate name: "app" is already used at line 1',
    ]);
  });

  it("rejects a base declared twice", () => {
    expect(messagesOf("- base: node:22\n- base: node:22\n  interval: 2h\n")).toEqual(['images.yaml:2: base "node:22": is declared twice (first at line 1)']);
  });

  it("rejects duplicate keys in one mapping as a YAML error with its line", () => {
    const [message] = messagesOf("- name: a\n  name: b\n  repository: a/b\n  source: {repo: a/b}\n");
    expect(message).toMatch(/^images\.yaml:2: YAML syntax error: Map keys must be unique/);
  });
});

describe("images.yaml: structure and syntax", () => {
  it("gives the line of a YAML syntax error", () => {
    expect(messagesOf("- name: a\n  repository: [a, b\n  source: {}\n")[0]).toMatch(/^images\.yaml:3: YAML syntax error: /);
    expect(messagesOf("- name: a\n\trepository: a/b\n")[0]).toMatch(/^images\.yaml:2: YAML syntax error: /);
    // An unterminated quote is only noticed where the file ends.
    expect(messagesOf('- name: "a\n  repository: a/b\n')[0]).toMatch(/^images\.yaml:3: YAML syntax error: Missing closing "quote/);
  });

  it("requires a list at the top", () => {
    expect(messagesOf("name: a\nrepository: a/b\n")).toEqual(["images.yaml:1: must be a YAML list of images, got a mapping"]);
  });

  it("requires each entry to be a mapping", () => {
    expect(messagesOf("- just-a-name\n")).toEqual(['images.yaml:1: entry #1: must be a mapping (an image or a base), got string "just-a-name"']);
  });
});

describe("images.yaml: GitLab sources", () => {
  it("takes a project's full path with subgroups, gitlab.com by default or a self-managed host", () => {
    const text = `- name: app
  repository: acme/app
  source:
    provider: gitlab
    repo: acme/platform/Web.App_2
    dockerfile: docker/Dockerfile
- name: tools
  repository: acme/tools
  source:
    provider: gitlab
    host: git.acme.example:8443
    repo: infra/tools
`;
    const [app, tools] = parseImagesText(text, FILE).images;
    expect(app.source).toEqual({
      provider: "gitlab",
      host: "gitlab.com",
      repo: "acme/platform/Web.App_2",
      branch: "main",
      dockerfile: "docker/Dockerfile",
      context: "docker",
      generatedWorkflow: false,
      workflow: ".gitlab-ci.yml",
      workflowInputs: ["version_bump", "triggered_by", "base_image", "base_digest", "dry_run"],
    });
    expect(tools.source.host).toBe("git.acme.example:8443");
  });

  it("accepts GitLab's path forms (a project may end in '.', a group in '-' or '_') and rejects the suffixes it reserves", () => {
    for (const repo of ["a/b", "_g/p.", "g-/p-", "g_/.hidden", "x.y/z"]) {
      expect(() => parseImagesText(image().replace("repo: acme/app", `provider: gitlab\n    repo: ${repo}`), FILE), repo).not.toThrow();
    }
    for (const repo of ["g.atom/p", "g/p.atom", "g/p.git", "-g/p", "g/p q"]) {
      expect(() => parseImagesText(image().replace("repo: acme/app", `provider: gitlab\n    repo: "${repo}"`), FILE), repo).toThrow(UserError);
    }
  });
});
