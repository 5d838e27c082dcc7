import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/config/errors";
import { DISPATCH_INPUTS, type ImageSpec } from "../../src/config/schema";
import { ACTIONS, PINNED_ACTION } from "../../src/github/actions";
import { ownWorkflowContract } from "../../src/github/docs";
import { GENERATED_WORKFLOW_PATH, planGithubEstate } from "../../src/github/estate";
import {
  buildRepoWorkflow,
  dispatchTarget,
  GENERATED_WORKFLOW_INPUTS,
  generatedWorkflowGroups,
  pushPaths,
  registrySecretNames,
  renderRepoWorkflow,
  workflowDispatchInputs,
  workflowPath,
} from "../../src/github/workflow";
import { workflowSchema } from "../../src/github/workflow-schema";
import { GENERATED_HEADER } from "../../src/github/yaml";
import { exampleImages, imageByName, makeImage, type ParsedStep, parseWorkflowText } from "./fixtures";
import { anyExpressionInRun, untrustedExpressionsInRun } from "./injection";

const platformImages = () => ["python-base", "uv"].map(imageByName);
const platformText = () => renderRepoWorkflow(platformImages());

function job(text: string, id: string) {
  const found = parseWorkflowText(text).jobs[id];
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

function stepsOf(text: string, id = "build-ghcr-io"): ParsedStep[] {
  return job(text, id).steps;
}

function stepUsing(text: string, action: string, id = "build-ghcr-io"): ParsedStep | undefined {
  return stepsOf(text, id).find((s) => s.uses === action);
}

/** The IMAGES table the select job carries, parsed. */
function table(text: string): Record<string, Record<string, unknown>> {
  const select = stepsOf(text, "select").find((s) => s.id === "select")!;
  return JSON.parse(select.env!.IMAGES);
}

describe("one generated build workflow per repository and branch", () => {
  it("the example estate gets one file per repository, listing that repository's generated images", () => {
    const groups = generatedWorkflowGroups(exampleImages());
    expect(groups.map((g) => [g.repo, g.branch, g.images.map((i) => i.name)])).toEqual([
      ["acme/data-tools", "main", ["report-worker"]],
      ["acme/platform", "main", ["python-base", "uv"]],
    ]);
    expect(workflowPath(imageByName("uv"))).toBe(GENERATED_WORKFLOW_PATH);
    expect(GENERATED_WORKFLOW_PATH).toBe(".github/workflows/image-factory-build.yml");
    expect(() => buildRepoWorkflow([imageByName("backstage")])).toThrow(/keeps its own workflow/);
    expect(() => buildRepoWorkflow([imageByName("uv"), imageByName("report-worker")])).toThrow(/not acme\/platform:main/);
  });

  it("groups repositories case-insensitively and branches apart", () => {
    const groups = generatedWorkflowGroups([
      makeImage({ name: "a", source: { repo: "Acme/App" } }),
      makeImage({ name: "b", source: { repo: "acme/app" } }),
      makeImage({ name: "c", source: { repo: "acme/app", branch: "release" } }),
      makeImage({ name: "d", source: { repo: "acme/app", workflow: "own.yml" } }),
    ]);
    expect(groups.map((g) => [g.repo, g.branch, g.images.map((i) => i.name)])).toEqual([
      ["Acme/App", "main", ["a", "b"]],
      ["acme/app", "release", ["c"]],
    ]);
  });

  it("matches the reviewed acme/platform workflow byte for byte", async () => {
    await expect(platformText()).toMatchFileSnapshot("golden/image-factory-build-acme-platform.yml");
  });

  it("declares the image choice, the dispatch inputs and dry_run, and pushes filtered by every context", () => {
    const text = platformText();
    expect(text.split("\n")[0]).toBe(`# ${GENERATED_HEADER}`);
    const wf = parseWorkflowText(text);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual([...GENERATED_WORKFLOW_INPUTS]);
    expect(wf.on.workflow_dispatch.inputs.image).toEqual({
      description: expect.any(String),
      required: true,
      type: "choice",
      options: ["python-base", "uv"],
      default: "python-base",
    });
    expect(wf.on.workflow_dispatch.inputs.version_bump).toMatchObject({ type: "choice", options: ["image-default", "patch", "minor", "major"], default: "image-default" });
    expect(wf.on.workflow_dispatch.inputs.dry_run).toEqual({ description: expect.any(String), required: false, type: "boolean", default: false });
    for (const input of ["triggered_by", "base_image", "base_digest"]) {
      expect(wf.on.workflow_dispatch.inputs[input]).toMatchObject({ type: "string", required: false });
    }
    expect(wf.on.push).toEqual({
      branches: ["main"],
      paths: ["apps/uv/**", "apps/uv/Dockerfile", "images/python-base/**", "images/python-base/Dockerfile"],
    });
  });

  it("least privilege: nothing at the top, read for select, packages: write only for the GHCR build job, security-events: write for the SARIF upload", () => {
    const wf = parseWorkflowText(platformText());
    expect(wf.permissions).toEqual({});
    expect(Object.keys(wf.jobs)).toEqual(["select", "build-ghcr-io"]);
    expect(wf.jobs.select.permissions).toEqual({ contents: "read" });
    expect(wf.jobs["build-ghcr-io"].permissions).toEqual({ contents: "read", packages: "write", "security-events": "write" });
  });

  it("one build at a time per image, collapsing bursts, with dry runs in their own group", () => {
    const wf = parse(platformText()) as { concurrency?: unknown; jobs: Record<string, { concurrency?: unknown; strategy?: unknown; if?: string; needs?: string[] }> };
    expect(wf.concurrency).toBeUndefined();
    expect(wf.jobs["build-ghcr-io"].concurrency).toEqual({
      group: "image-factory-build-${{ matrix.name }}${{ inputs.dry_run && '-dry-run' || '' }}",
      "cancel-in-progress": false,
    });
    expect(wf.jobs["build-ghcr-io"].strategy).toEqual({ "fail-fast": false, matrix: { include: "${{ fromJSON(needs.select.outputs.build-ghcr-io) }}" } });
    expect(wf.jobs["build-ghcr-io"].needs).toEqual(["select"]);
    expect(wf.jobs["build-ghcr-io"].if).toBe("${{ needs.select.outputs.build-ghcr-io != '[]' }}");
  });

  it("keeps each image's settings as one row of data: platforms, build args, bump, QEMU, annotation levels", () => {
    expect(table(platformText())).toEqual({
      "python-base": {
        job: "build-ghcr-io",
        ref: "ghcr.io/acme/python-base",
        context: "images/python-base",
        dockerfile: "images/python-base/Dockerfile",
        platforms: "linux/amd64",
        build_args: "",
        version_bump: "patch",
        qemu: false,
        annotation_levels: "manifest",
        scan: true,
        scan_fail_on: "CRITICAL",
        scan_ignore_unfixed: true,
        scan_platform: "linux/amd64",
      },
      uv: {
        job: "build-ghcr-io",
        ref: "ghcr.io/acme/uv",
        context: "apps/uv",
        dockerfile: "apps/uv/Dockerfile",
        platforms: "linux/amd64,linux/arm64",
        build_args: "PYTHON_VERSION=3.12\n",
        version_bump: "patch",
        qemu: true,
        annotation_levels: "index,manifest",
        scan: true,
        scan_fail_on: "CRITICAL",
        scan_ignore_unfixed: true,
        scan_platform: "linux/amd64",
        scan_other_platforms: "linux/arm64",
      },
    });
    expect(table(renderRepoWorkflow([imageByName("report-worker")]))["report-worker"].version_bump).toBe("minor");
    // One image per line: a change to one image's settings is a one-line diff.
    const select = stepsOf(platformText(), "select").find((s) => s.id === "select")!;
    expect(select.env!.IMAGES.split("\n").filter((l) => l.startsWith('"'))).toHaveLength(2);
  });

  it("builds from the matrix row into an OCI layout, which only a real build (not a dry run) pushes", () => {
    const text = platformText();
    expect(stepUsing(text, ACTIONS.buildPush)?.with).toEqual({
      context: "${{ matrix.context }}",
      file: "${{ matrix.dockerfile }}",
      platforms: "${{ matrix.platforms }}",
      "build-args": "${{ matrix.build_args }}",
      pull: true,
      outputs: "type=oci,dest=${{ runner.temp }}/image,tar=false",
      labels: "${{ steps.meta.outputs.labels }}",
      annotations: "${{ steps.meta.outputs.annotations }}",
    });
    const push = stepsOf(text).find((s) => s.id === "push")!;
    expect(push).toMatchObject({ if: "${{ steps.trigger.outputs.push == 'true' }}", env: { IMAGE: "${{ matrix.ref }}", VERSION: "${{ steps.version.outputs.version }}" } });
    expect(push.run).toContain('--all --preserve-digests --digestfile "$RUNNER_TEMP/digest" "oci:$RUNNER_TEMP/image" "docker://$IMAGE:$VERSION"');
    expect(push.run).toContain('--all --preserve-digests "oci:$RUNNER_TEMP/image" "docker://$IMAGE:latest"');
    expect(stepsOf(text).find((s) => s.name === "Set up QEMU")).toMatchObject({ if: "${{ matrix.qemu }}", uses: ACTIONS.setupQemu });
    const trigger = stepsOf(text).find((s) => s.id === "trigger")!;
    expect(trigger.env).toEqual({
      VERSION_BUMP: "${{ inputs.version_bump }}",
      DEFAULT_BUMP: "${{ matrix.version_bump }}",
      DRY_RUN: "${{ inputs.dry_run }}",
      BASE_IMAGE: "${{ inputs.base_image }}",
      BASE_DIGEST: "${{ inputs.base_digest }}",
    });
  });

  it("pushes to GHCR with GITHUB_TOKEN, with the base recorded", () => {
    const text = platformText();
    expect(stepUsing(text, ACTIONS.login)?.with).toEqual({ registry: "ghcr.io", username: "${{ github.actor }}", password: "${{ secrets.GITHUB_TOKEN }}" });
    const meta = stepsOf(text).find((s) => s.id === "meta")!;
    expect(meta.env).toMatchObject({ IMAGE: "${{ matrix.ref }}", SOURCE_URL: "https://github.com/acme/platform", ANNOTATION_LEVELS: "${{ matrix.annotation_levels }}" });
    expect(meta.run).toContain("$oci.base.name=$BASE_IMAGE");
    expect(meta.run).toContain("$oci.base.digest=$BASE_DIGEST");
    const version = stepsOf(text).find((s) => s.id === "version")!;
    expect(version.run).toContain('skopeo list-tags --authfile "$HOME/.docker/config.json" "docker://$IMAGE"');
    expect(version.run).toContain("next=0.1.0");
  });

  it("pins every third-party action to a commit SHA (GitHub's own actions/* to a major version)", () => {
    for (const group of generatedWorkflowGroups(exampleImages())) {
      const wf = parseWorkflowText(renderRepoWorkflow(group.images));
      for (const j of Object.values(wf.jobs)) for (const step of j.steps) if (step.uses !== undefined) expect(step.uses).toMatch(PINNED_ACTION);
    }
    expect(PINNED_ACTION.test("actions/checkout@main")).toBe(false);
    expect(PINNED_ACTION.test(`actions/checkout@${"a".repeat(40)}`)).toBe(true);
    expect(PINNED_ACTION.test("docker/login-action@v4")).toBe(false);
    expect(PINNED_ACTION.test("actions-evil/checkout@v4")).toBe(false);
    expect(PINNED_ACTION.test(`docker/login-action@${"0".repeat(40)}`)).toBe(true);
  });
});

// The scripts run in bash with the jq and git of this machine (the runner image has both).
function runScript(script: string, env: Record<string, string>, cwd?: string): { status: number; stdout: string; stderr: string; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wf-"));
  const outFile = path.join(dir, "out");
  fs.writeFileSync(outFile, "");
  try {
    const stdout = execFileSync("bash", ["-c", script], { cwd: cwd ?? dir, env: { PATH: process.env.PATH!, GITHUB_OUTPUT: outFile, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { status: 0, stdout, stderr: "", output: fs.readFileSync(outFile, "utf8") };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, stdout: err.stdout, stderr: err.stderr, output: fs.readFileSync(outFile, "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function outputs(text: string): Record<string, string> {
  return Object.fromEntries(text.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" }).trim();
}

describe("the select job, run in bash", () => {
  const mixed = () => [
    ...platformImages(),
    makeImage({ name: "hub", registry: "docker.io", repository: "acme/hub", source: { repo: "acme/platform", dockerfile: "hub/Dockerfile" } }),
  ];
  const selectStep = (images: ImageSpec[]) => stepsOf(renderRepoWorkflow(images), "select").find((s) => s.id === "select")!;
  const names = (json: string) => (JSON.parse(json) as Array<{ name: string }>).map((r) => r.name);

  it("a dispatch builds exactly the named image, in the job of its registry", () => {
    const step = selectStep(mixed());
    const r = runScript(step.run!, { GITHUB_EVENT_NAME: "workflow_dispatch", IMAGE: "hub", BEFORE: "", IMAGES: step.env!.IMAGES });
    expect(r.status).toBe(0);
    const out = outputs(r.output);
    expect(names(out["build-docker-io"])).toEqual(["hub"]);
    expect(out["build-ghcr-io"]).toBe("[]");
    expect(JSON.parse(out["build-docker-io"])[0]).toMatchObject({ name: "hub", ref: "docker.io/acme/hub", context: "hub", dockerfile: "hub/Dockerfile" });
  });

  it("a dispatch naming an image the workflow does not build fails before any build", () => {
    const step = selectStep(mixed());
    const r = runScript(step.run!, { GITHUB_EVENT_NAME: "workflow_dispatch", IMAGE: "nope", BEFORE: "", IMAGES: step.env!.IMAGES });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("::error::image must be one of: hub, python-base, uv");
    expect(r.output).toBe("");
  });

  it("a push builds exactly the images whose context or Dockerfile changed; an unknown previous head builds all", () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "repo-"));
    try {
      git(repo, "init", "-q", "-b", "main");
      for (const f of ["apps/uv/Dockerfile", "images/python-base/Dockerfile", "hub/Dockerfile", "README.md"]) {
        fs.mkdirSync(path.join(repo, path.dirname(f)), { recursive: true });
        fs.writeFileSync(path.join(repo, f), "FROM scratch\n");
      }
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "one");
      const before = git(repo, "rev-parse", "HEAD");
      fs.writeFileSync(path.join(repo, "apps/uv/main.py"), "print()\n");
      fs.writeFileSync(path.join(repo, "README.md"), "changed\n");
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "two");
      fs.renameSync(path.join(repo, "hub/Dockerfile"), path.join(repo, "Dockerfile.moved"));
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "three");
      const sha = git(repo, "rev-parse", "HEAD");
      const step = selectStep(mixed());
      const env = { GITHUB_EVENT_NAME: "push", IMAGE: "", GITHUB_SHA: sha, IMAGES: step.env!.IMAGES };

      const changed = outputs(runScript(step.run!, { ...env, BEFORE: before }, repo).output);
      // uv (its context), hub (its Dockerfile moved away); not python-base.
      expect(names(changed["build-ghcr-io"])).toEqual(["uv"]);
      expect(names(changed["build-docker-io"])).toEqual(["hub"]);

      const newBranch = outputs(runScript(step.run!, { ...env, BEFORE: "0".repeat(40) }, repo).output);
      expect(names(newBranch["build-ghcr-io"])).toEqual(["python-base", "uv"]);
      const rewritten = outputs(runScript(step.run!, { ...env, BEFORE: "f".repeat(40) }, repo).output);
      expect(names(rewritten["build-ghcr-io"])).toEqual(["python-base", "uv"]);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  it("a context of `a` is not touched by a change under `ab/`", () => {
    const images = [makeImage({ name: "a", source: { dockerfile: "a/Dockerfile" } }), makeImage({ name: "ab", source: { dockerfile: "ab/Dockerfile" } })];
    const step = selectStep(images);
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "repo-"));
    try {
      git(repo, "init", "-q", "-b", "main");
      fs.mkdirSync(path.join(repo, "ab"));
      fs.writeFileSync(path.join(repo, "ab/x"), "1\n");
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "one");
      const before = git(repo, "rev-parse", "HEAD");
      fs.writeFileSync(path.join(repo, "ab/x"), "2\n");
      git(repo, "commit", "-qam", "two");
      const out = outputs(runScript(step.run!, { GITHUB_EVENT_NAME: "push", IMAGE: "", BEFORE: before, GITHUB_SHA: git(repo, "rev-parse", "HEAD"), IMAGES: step.env!.IMAGES }, repo).output);
      expect(names(out["build-ghcr-io"])).toEqual(["ab"]);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe("the trigger step, run in bash", () => {
  const trigger = () => stepsOf(platformText()).find((s) => s.id === "trigger")!.run!;
  const base = { VERSION_BUMP: "", DEFAULT_BUMP: "minor", DRY_RUN: "", BASE_IMAGE: "", BASE_DIGEST: "" };

  it("a push uses the image's own bump and pushes", () => {
    expect(outputs(runScript(trigger(), base).output)).toMatchObject({ bump: "minor", push: "true" });
  });

  it("a dispatch's bump wins unless it is image-default", () => {
    expect(outputs(runScript(trigger(), { ...base, VERSION_BUMP: "major", DRY_RUN: "false" }).output)).toMatchObject({ bump: "major", push: "true" });
    expect(outputs(runScript(trigger(), { ...base, VERSION_BUMP: "image-default" }).output)).toMatchObject({ bump: "minor" });
  });

  it("dry_run true builds without pushing; anything else that is not a boolean stops the run", () => {
    expect(outputs(runScript(trigger(), { ...base, DRY_RUN: "true" }).output)).toMatchObject({ push: "false" });
    const bad = runScript(trigger(), { ...base, DRY_RUN: "yes" });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain("dry_run must be true or false");
  });

  it("rejects a base that is not an image reference or digest", () => {
    expect(runScript(trigger(), { ...base, BASE_IMAGE: "x; rm -rf /" }).status).not.toBe(0);
    expect(runScript(trigger(), { ...base, BASE_DIGEST: "sha256:abc" }).status).not.toBe(0);
    const ok = runScript(trigger(), { ...base, BASE_IMAGE: "docker.io/library/node:22", BASE_DIGEST: `sha256:${"a".repeat(64)}` });
    expect(outputs(ok.output)).toMatchObject({ base_image: "docker.io/library/node:22", base_digest: `sha256:${"a".repeat(64)}` });
  });
});

describe("a change to one image rewrites one file", () => {
  it("changing one image's settings changes its repository's workflow and no other", () => {
    const images = exampleImages();
    const before = planGithubEstate(images, { manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } } as never, { environment: "dev" });
    const changed = images.map((i) => (i.name === "uv" ? { ...i, platforms: ["linux/amd64"] } : i));
    const after = planGithubEstate(changed, { manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } } as never, { environment: "dev" });
    const differing = after.workflowFiles.filter((f, i) => f.content !== before.workflowFiles[i].content).map((f) => f.repo);
    expect(differing).toEqual(["acme/platform"]);
    // ...and within it, one line of the table.
    const lines = (t: string) => t.split("\n");
    const a = lines(before.workflowFiles[1].content);
    const b = lines(after.workflowFiles[1].content);
    expect(a.length).toBe(b.length);
    expect(a.filter((l, i) => l !== b[i])).toHaveLength(1);
  });
});

describe("script injection", () => {
  it("no run: in a generated workflow expands an input or other untrusted expression", () => {
    for (const group of generatedWorkflowGroups(exampleImages())) {
      const text = renderRepoWorkflow(group.images);
      expect(untrustedExpressionsInRun(text), group.repo).toEqual([]);
      expect(anyExpressionInRun(text), group.repo).toEqual([]);
    }
  });

  it("the checker itself catches the usual injections", () => {
    const bad = (expr: string) => `on: workflow_dispatch\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n      - name: x\n        run: echo "\${{ ${expr} }}"\n`;
    for (const expr of ["inputs.image", "github.event.inputs.tag", "github.head_ref", "github.event.pull_request.title", "github.event.head_commit.message"]) {
      expect(untrustedExpressionsInRun(bad(expr)), expr).toHaveLength(1);
    }
    expect(anyExpressionInRun(bad("github.sha"))).toHaveLength(1);
  });

  it("the workflow model refuses a run: with an expression, so no builder can produce one", () => {
    const wf = structuredClone(buildRepoWorkflow(platformImages()));
    wf.jobs["build-ghcr-io"].steps[1].run = 'echo "${{ inputs.base_image }}"\n';
    const result = workflowSchema.safeParse(wf);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("pass values through env");
  });

  it("rejects unpinned actions in the model", () => {
    const wf = structuredClone(buildRepoWorkflow(platformImages()));
    wf.jobs["build-ghcr-io"].steps[0].uses = "actions/checkout@main";
    expect(workflowSchema.safeParse(wf).success).toBe(false);
  });

  it("values from images.yaml cannot smuggle an expression or a second build arg in; every image's problem is reported", () => {
    const attempt = (images: ImageSpec[]) => {
      try {
        buildRepoWorkflow(images, { imagesFile: "images.yaml" });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as UserError).problems.map((p) => `${p.subject}: ${p.field}: ${p.message}`);
      }
      throw new Error("expected a UserError");
    };
    expect(attempt([makeImage({ buildArgs: { TOKEN: "${{ secrets.NPM_TOKEN }}" } }), makeImage({ name: "b", buildArgs: { A: "1\nB=2" } })])).toEqual([
      'image "b": buildArgs.A: must not contain a line break',
      'image "app": buildArgs.TOKEN: must not contain ${{ (it would be evaluated by GitHub Actions)',
    ]);
    expect(attempt([makeImage({ source: { context: "x/${{github.token}}" } })])[0]).toContain("source.context");
  });
});

describe("dispatch inputs", () => {
  it("a generated workflow declares exactly GENERATED_WORKFLOW_INPUTS, read back from its text", () => {
    expect([...GENERATED_WORKFLOW_INPUTS]).toEqual(["image", ...DISPATCH_INPUTS]);
    expect(DISPATCH_INPUTS).toContain("dry_run");
    for (const group of generatedWorkflowGroups(exampleImages())) {
      const declared = Object.keys(parseWorkflowText(renderRepoWorkflow(group.images)).on.workflow_dispatch.inputs);
      for (const image of group.images) expect(workflowDispatchInputs(image)).toEqual(declared);
    }
  });

  it("an image's own workflow is dispatched with exactly its source.workflowInputs; dry_run only when declared", () => {
    expect(workflowDispatchInputs(imageByName("metrics-service"))).toEqual(["version_bump", "triggered_by", "base_image", "base_digest"]);
    expect(workflowDispatchInputs(imageByName("e2e-runner"))).toEqual(["version_bump"]);
    expect(workflowDispatchInputs(imageByName("backstage"))).toEqual(["version_bump", "triggered_by", "base_image"]);
    const canary = makeImage({ source: { workflow: "own.yml", workflowInputs: ["version_bump", "dry_run"] } });
    expect(workflowDispatchInputs(canary)).toEqual(["version_bump", "dry_run"]);
    for (const image of exampleImages().filter((i) => !i.source.generatedWorkflow)) {
      expect(workflowDispatchInputs(image)).toEqual(image.source.workflowInputs);
    }
  });

  it("dispatchTarget names the repository's one generated file, the branch and the inputs", () => {
    expect(dispatchTarget(imageByName("uv"))).toEqual({
      repo: "acme/platform",
      owner: "acme",
      name: "platform",
      workflow: "image-factory-build.yml",
      ref: "main",
      inputs: ["image", "version_bump", "triggered_by", "base_image", "base_digest", "dry_run"],
    });
    expect(dispatchTarget(imageByName("python-base")).workflow).toBe("image-factory-build.yml");
    expect(dispatchTarget(imageByName("backstage"))).toMatchObject({ repo: "acme/platform", workflow: "backstage.yml", inputs: ["version_bump", "triggered_by", "base_image"] });
  });

  it("the image a dispatch names is always one of its workflow's choices", () => {
    for (const group of generatedWorkflowGroups(exampleImages())) {
      const options = parseWorkflowText(renderRepoWorkflow(group.images)).on.workflow_dispatch.inputs.image.options as string[];
      expect(options).toEqual(group.images.map((i) => i.name));
    }
  });

  it("documents the contract for images with their own workflow", () => {
    const text = ownWorkflowContract(exampleImages());
    for (const input of DISPATCH_INPUTS) expect(text).toContain(`\`${input}\``);
    expect(text).toContain("| e2e-runner | acme/platform | `e2e-runner.yml` | main | `version_bump` |");
    expect(text).not.toContain("| uv |");
    expect(text).toContain("image-factory-build.yml");
    expect(text).toContain("REGISTRY_DOCKER_IO_USERNAME");
  });
});

describe("other registries and layouts", () => {
  it("logs in to another registry with secrets named after its host, in a job without packages: write", () => {
    expect(registrySecretNames("ghcr.io")).toBeUndefined();
    expect(registrySecretNames("registry.example.com:5000")).toEqual({
      username: "REGISTRY_REGISTRY_EXAMPLE_COM_5000_USERNAME",
      password: "REGISTRY_REGISTRY_EXAMPLE_COM_5000_PASSWORD",
    });
    const text = renderRepoWorkflow([makeImage({ registry: "docker.io", repository: "acme/app" })]);
    expect(Object.keys(parseWorkflowText(text).jobs)).toEqual(["select", "build-docker-io"]);
    expect(stepUsing(text, ACTIONS.login, "build-docker-io")?.with).toEqual({
      registry: "docker.io",
      username: "${{ secrets.REGISTRY_DOCKER_IO_USERNAME }}",
      password: "${{ secrets.REGISTRY_DOCKER_IO_PASSWORD }}",
    });
    expect(job(text, "build-docker-io").permissions).toEqual({ contents: "read", "security-events": "write" });
    const unscanned = renderRepoWorkflow([makeImage({ registry: "docker.io", repository: "acme/app", scan: false })]);
    expect(job(unscanned, "build-docker-io").permissions).toEqual({ contents: "read" });
  });

  it("two registries whose names slug alike get distinct jobs", () => {
    const text = renderRepoWorkflow([
      makeImage({ name: "a", registry: "a-b.io", repository: "x/a" }),
      makeImage({ name: "b", registry: "a.b-io.example", repository: "x/b", source: { dockerfile: "b/Dockerfile" } }),
      makeImage({ name: "c", registry: "a.b.io", repository: "x/c", source: { dockerfile: "c/Dockerfile" } }),
    ]);
    expect(Object.keys(parseWorkflowText(text).jobs)).toEqual(["select", "build-a-b-io", "build-a-b-io-example", "build-a-b-io-2"]);
  });

  it("filters pushes by the context and the Dockerfile, with pattern characters escaped", () => {
    expect(pushPaths(makeImage({ source: { dockerfile: "Dockerfile" } }))).toEqual(["**", "Dockerfile"]);
    expect(pushPaths(makeImage({ source: { dockerfile: "build/Dockerfile", context: "src/" } }))).toEqual(["src/**", "build/Dockerfile"]);
    expect(pushPaths(makeImage({ source: { dockerfile: "a+b/[x]/Dockerfile" } }))).toEqual(["a\\+b/\\[x\\]/**", "a\\+b/\\[x\\]/Dockerfile"]);
  });
});

describe("determinism", () => {
  it("renders the same bytes whatever order the images and build args come in", () => {
    const a = makeImage({ buildArgs: { B: "2", A: "1" }, platforms: ["linux/amd64", "linux/arm64"] });
    const b = makeImage({ platforms: ["linux/amd64", "linux/arm64"], buildArgs: { A: "1", B: "2" } });
    const other = makeImage({ name: "other", source: { dockerfile: "other/Dockerfile" } });
    expect(renderRepoWorkflow([a, other])).toBe(renderRepoWorkflow([other, b]));
  });

  it("holds for any valid image, and every one keeps the input and injection rules", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
    const seg = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/).filter((s) => !s.endsWith(".") && !s.endsWith(".lock") && !s.includes(".."));
    const arb = fc.record({
      name,
      registry: fc.constantFrom("ghcr.io", "docker.io", "registry.example.com:5000"),
      versionBump: fc.constantFrom("patch", "minor", "major"),
      platforms: fc.constantFrom(["linux/amd64"], ["linux/amd64", "linux/arm64"], ["linux/arm64", "linux/arm/v7"]),
      buildArgs: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string({ maxLength: 20 }).filter((v) => !/[\r\n]/.test(v) && !v.includes("${{"))),
      dir: fc.array(seg, { minLength: 0, maxLength: 3 }),
      branch: fc.constantFrom("main", "release/1.x", "on", "yes"),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const image = makeImage({
          name: r.name,
          registry: r.registry,
          repository: `acme/${r.name}`,
          versionBump: r.versionBump,
          platforms: [...r.platforms],
          buildArgs: r.buildArgs,
          source: { dockerfile: [...r.dir, "Dockerfile"].join("/"), branch: r.branch },
        });
        const text = renderRepoWorkflow([image]);
        expect(renderRepoWorkflow([image])).toBe(text);
        const wf = parseWorkflowText(text);
        expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual([...GENERATED_WORKFLOW_INPUTS]);
        const asYaml11 = parse(text, { version: "1.1" }) as Record<string, { push?: { branches: unknown[] } }>;
        expect(asYaml11.true?.push?.branches).toEqual([r.branch]);
        expect(untrustedExpressionsInRun(text)).toEqual([]);
        const row = table(text)[r.name];
        const expected = Object.keys(r.buildArgs).sort().map((k) => `${k}=${r.buildArgs[k]}\n`).join("");
        expect(row.build_args).toBe(expected);
        expect(row.version_bump).toBe(r.versionBump);
      }),
      { numRuns: 60 },
    );
  });
});
