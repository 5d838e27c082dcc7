// The example estate plus a GitLab image, rendered as a user would (analyze, then render
// --stack prod, the owner of the builds): the suggested GitLab CI file, the rebuild Stage and
// credentials of the GitLab source, and the GitLab token nowhere in the output.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { copyExampleEstate, imageFactory, readTree } from "./child";

const TOKEN = "glpat-CANARY-renderNeverShows0123";

const GITLAB_IMAGE = `
- name: docs-site
  registry: registry.gitlab.com
  repository: acme/web/docs-site
  source:
    provider: gitlab
    repo: acme/web/docs
    dockerfile: site/Dockerfile
  rebuildDelay: 1d
  buildArgs:
    GREETING: "$HOME 'quoted' \\"too\\""
  platforms: [linux/amd64, linux/arm64]
`;

let tree: Map<string, string>;
let stderr: string;

beforeAll(() => {
  const dir = copyExampleEstate();
  fs.appendFileSync(path.join(dir, "images.yaml"), GITLAB_IMAGE);
  const docker = path.join(dir, "sources", "gitlab.com", "acme", "web", "docs", "site");
  fs.mkdirSync(docker, { recursive: true });
  fs.writeFileSync(path.join(docker, "Dockerfile"), "FROM node:22-bookworm-slim\nCOPY . /srv\n");
  const analyzed = imageFactory(["analyze", "--images", path.join(dir, "images.yaml")]);
  if (analyzed.code !== 0) throw new Error(`analyze failed: ${analyzed.stderr}`);
  const out = path.join(dir, "out");
  const run = imageFactory(["render", "--stack", "prod", "--images", path.join(dir, "images.yaml"), "--state", dir, "--config", `image-factory:gitlabToken=${TOKEN}`, "--out", out]);
  if (run.code !== 0) throw new Error(`render failed: ${run.stderr}`);
  stderr = run.stderr;
  tree = new Map([...readTree(out)].map(([k, v]) => [k, v.toString("utf8")]));
}, 240_000);

describe("render of an estate with a GitLab source", () => {
  it("writes the suggested GitLab CI file under gitlab/<host>/<project path>", () => {
    const file = tree.get("gitlab/gitlab.com/acme/web/docs/.gitlab-ci.image-factory.yml");
    expect(file, [...tree.keys()].filter((k) => k.startsWith("gitlab")).join(", ")).toBeDefined();
    const ci = parse(file!) as Record<string, any>;
    expect(Object.keys(ci)).toEqual([".image-factory-build", "image-factory:docs-site"]);
    const job = ci["image-factory:docs-site"];
    expect(job.rules).toEqual([{ if: '$IMAGE_FACTORY_IMAGE == "docs-site"' }]);
    expect(job.extends).toBe(".image-factory-build");
    // The image's settings are shell literals in the job, not CI/CD variables: the shell reads
    // neither $HOME nor the quotes in them, and no pipeline variable can replace them.
    expect(job.variables).toBeUndefined();
    const settings = job.before_script[0] as string;
    expect(settings).toContain(`job_build_args='GREETING=$HOME '\\''quoted'\\'' "too"\n'\n`);
    expect(settings).toContain("job_ref='registry.gitlab.com/acme/web/docs-site'\n");
    expect(settings).toContain("job_platforms='linux/amd64,linux/arm64'\n");
    expect(ci[".image-factory-build"].script[0]).toContain('IMAGE_FACTORY_DRY_RUN:-false');
    // The program exports it too, for `pulumi stack output gitlabPipelineFiles`.
    const outputs = JSON.parse(tree.get("outputs.json")!);
    expect(outputs.gitlabPipelineFiles["gitlab.com/acme/web/docs:main:.gitlab-ci.image-factory.yml"]).toMatchObject({ host: "gitlab.com", project: "acme/web/docs", branch: "main", images: ["docs-site"] });
  });

  it("commits a rebuild Stage that creates a GitLab pipeline, and applies the gitlab-credentials Secret", () => {
    const stage = [...tree.entries()]
      .filter(([k]) => k.endsWith(".yaml") && k.startsWith("github/acme/image-factory-state/"))
      .flatMap(([, v]) => parseAllDocuments(v).map((d) => d.toJS() as any))
      .find((o) => o?.kind === "Stage" && o.metadata.name === "rebuild-docs-site");
    expect(stage).toBeDefined();
    const steps = stage.spec.promotionTemplate.spec.steps as Array<{ as: string; config: { url: string } }>;
    expect(steps.find((s) => s.as === "dispatch")!.config.url).toBe("https://gitlab.com/api/v4/projects/acme%2Fweb%2Fdocs/pipeline");
    // prod's default rebuild window applies to the GitLab image too: it waits before the pipeline.
    expect(steps.map((s) => s.as).slice(0, 2)).toEqual(["window", "dispatch"]);
    const secret = parse(tree.get("kubernetes/secret_image-factory_gitlab-credentials.yaml")!) as any;
    expect(secret.metadata.labels).toEqual({ "kargo.akuity.io/cred-type": "generic" });
  });

  it("never shows the GitLab token, in any file or message", () => {
    for (const [file, content] of tree) {
      expect(content.includes(TOKEN), file).toBe(false);
      expect(content.includes(Buffer.from(TOKEN).toString("base64")), file).toBe(false);
    }
    expect(stderr).not.toContain(TOKEN);
  });
});
