import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/config/errors";
import { DISPATCH_INPUTS, type ImageSpec } from "../../src/config/schema";
import { ACTIONS, PINNED_ACTION } from "../../src/github/actions";
import { ownWorkflowContract } from "../../src/github/docs";
import {
  buildWorkflow,
  dispatchTarget,
  pushPaths,
  registrySecretNames,
  renderWorkflow,
  workflowDispatchInputs,
  workflowPath,
} from "../../src/github/workflow";
import { workflowSchema } from "../../src/github/workflow-schema";
import { GENERATED_HEADER } from "../../src/github/yaml";
import { exampleImages, imageByName, makeImage, type ParsedStep, parseWorkflowText } from "./fixtures";
import { anyExpressionInRun, untrustedExpressionsInRun } from "./injection";

const generated = () => exampleImages().filter((i) => i.source.generatedWorkflow);

function stepsOf(text: string): ParsedStep[] {
  return parseWorkflowText(text).jobs.build.steps;
}

function stepUsing(text: string, action: string): ParsedStep | undefined {
  return stepsOf(text).find((s) => s.uses === action);
}

describe("generated build workflows for the example estate", () => {
  it("are generated exactly for the images without their own workflow", () => {
    expect(generated().map((i) => [i.name, i.source.workflow])).toEqual([
      ["uv", "build-uv.yml"],
      ["python-base", "build-python-base.yml"],
      ["report-worker", "build-report-worker.yml"],
    ]);
    expect(() => buildWorkflow(imageByName("backstage"))).toThrow(/keeps its own workflow/);
  });

  it("matches the reviewed uv workflow byte for byte", async () => {
    await expect(renderWorkflow(imageByName("uv"))).toMatchFileSnapshot("golden/build-uv.yml");
  });

  it.each(["uv", "python-base", "report-worker"])("%s: header, triggers, permissions and concurrency", (name) => {
    const image = imageByName(name);
    const text = renderWorkflow(image);
    expect(text.split("\n")[0]).toBe(`# ${GENERATED_HEADER}`);
    const wf = parseWorkflowText(text);
    expect(wf.name).toBe(`Build ${name}`);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual([...DISPATCH_INPUTS]);
    expect(wf.on.workflow_dispatch.inputs.version_bump).toEqual({
      description: expect.any(String),
      required: false,
      type: "choice",
      options: ["patch", "minor", "major"],
      default: image.versionBump,
    });
    for (const input of ["triggered_by", "base_image", "base_digest"]) {
      expect(wf.on.workflow_dispatch.inputs[input]).toMatchObject({ type: "string", required: false });
    }
    expect(wf.on.push).toEqual({ branches: [image.source.branch], paths: [`${image.source.context}/**`, image.source.dockerfile] });
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.build.permissions).toEqual({ contents: "read", packages: "write" });
    expect(wf.concurrency).toEqual({ group: `image-factory-build-${name}`, "cancel-in-progress": false });
  });

  it("report-worker bumps minor by default, on dispatch and on push", () => {
    const text = renderWorkflow(imageByName("report-worker"));
    expect(parseWorkflowText(text).on.workflow_dispatch.inputs.version_bump.default).toBe("minor");
    expect(stepsOf(text).find((s) => s.id === "trigger")?.env?.DEFAULT_BUMP).toBe("minor");
  });

  it("builds for the image's platforms, with QEMU only when there is more than one", () => {
    const uv = renderWorkflow(imageByName("uv"));
    expect(stepUsing(uv, ACTIONS.setupQemu)).toBeDefined();
    expect(stepUsing(uv, ACTIONS.buildPush)?.with).toMatchObject({
      context: "apps/uv",
      file: "apps/uv/Dockerfile",
      platforms: "linux/amd64,linux/arm64",
      "build-args": "PYTHON_VERSION=3.12\n",
      push: true,
      pull: true,
      tags: "${{ steps.meta.outputs.tags }}",
      labels: "${{ steps.meta.outputs.labels }}",
      annotations: "${{ steps.meta.outputs.annotations }}",
    });
    expect(stepsOf(uv).find((s) => s.id === "meta")?.env?.ANNOTATION_LEVELS).toBe("index,manifest");

    const pythonBase = renderWorkflow(imageByName("python-base"));
    expect(stepUsing(pythonBase, ACTIONS.setupQemu)).toBeUndefined();
    expect(stepUsing(pythonBase, ACTIONS.setupBuildx)).toBeDefined();
    const build = stepUsing(pythonBase, ACTIONS.buildPush)?.with ?? {};
    expect(build.platforms).toBe("linux/amd64");
    expect(build).not.toHaveProperty("build-args");
    expect(stepsOf(pythonBase).find((s) => s.id === "meta")?.env?.ANNOTATION_LEVELS).toBe("manifest");
  });

  it("pushes to GHCR with GITHUB_TOKEN, tagging the version and latest with the base recorded", () => {
    const text = renderWorkflow(imageByName("uv"));
    expect(stepUsing(text, ACTIONS.login)?.with).toEqual({
      registry: "ghcr.io",
      username: "${{ github.actor }}",
      password: "${{ secrets.GITHUB_TOKEN }}",
    });
    const meta = stepsOf(text).find((s) => s.id === "meta")!;
    expect(meta.env).toMatchObject({ IMAGE: "ghcr.io/acme/uv", SOURCE_URL: "https://github.com/acme/platform" });
    expect(meta.run).toContain('echo "$IMAGE:$VERSION"');
    expect(meta.run).toContain('echo "$IMAGE:latest"');
    expect(meta.run).toContain("$oci.base.name=$BASE_IMAGE");
    expect(meta.run).toContain("$oci.base.digest=$BASE_DIGEST");
    const trigger = stepsOf(text).find((s) => s.id === "trigger")!;
    expect(trigger.env).toMatchObject({ BASE_IMAGE: "${{ inputs.base_image }}", BASE_DIGEST: "${{ inputs.base_digest }}" });
    // The next version is computed from the registry's tags, from 0.1.0 on.
    const version = stepsOf(text).find((s) => s.id === "version")!;
    expect(version.run).toContain('skopeo list-tags --authfile "$HOME/.docker/config.json" "docker://$IMAGE"');
    expect(version.run).toContain("next=0.1.0");
  });

  it("pins every action to a major version or a SHA", () => {
    for (const image of generated()) {
      for (const step of stepsOf(renderWorkflow(image))) {
        if (step.uses !== undefined) expect(step.uses).toMatch(PINNED_ACTION);
      }
    }
    expect(PINNED_ACTION.test("actions/checkout@main")).toBe(false);
    expect(PINNED_ACTION.test("actions/checkout@v6")).toBe(true);
    expect(PINNED_ACTION.test(`actions/checkout@${"a".repeat(40)}`)).toBe(true);
  });
});

describe("script injection", () => {
  it("no run: in a generated workflow expands an input or other untrusted expression", () => {
    for (const image of generated()) {
      const text = renderWorkflow(image);
      expect(untrustedExpressionsInRun(text), image.name).toEqual([]);
      expect(anyExpressionInRun(text), image.name).toEqual([]);
    }
  });

  it("the checker itself catches the usual injections", () => {
    const bad = (expr: string) => `on: workflow_dispatch\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n      - name: x\n        run: echo "\${{ ${expr} }}"\n`;
    for (const expr of ["inputs.base_image", "github.event.inputs.tag", "github.head_ref", "github.event.pull_request.title", "github.event.issue.body", "github.event.head_commit.message"]) {
      expect(untrustedExpressionsInRun(bad(expr)), expr).toHaveLength(1);
    }
    expect(untrustedExpressionsInRun(bad("github.sha"))).toEqual([]);
    expect(anyExpressionInRun(bad("github.sha"))).toHaveLength(1);
  });

  it("the workflow model refuses a run: with an expression, so no builder can produce one", () => {
    const wf = structuredClone(buildWorkflow(imageByName("uv")));
    wf.jobs.build.steps[1].run = 'echo "${{ inputs.base_image }}"\n';
    const result = workflowSchema.safeParse(wf);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("pass values through env");
  });

  it("rejects unpinned actions in the model", () => {
    const wf = structuredClone(buildWorkflow(imageByName("uv")));
    wf.jobs.build.steps[0].uses = "actions/checkout@main";
    expect(workflowSchema.safeParse(wf).success).toBe(false);
  });

  it("values from images.yaml cannot smuggle an expression or a second build arg in", () => {
    const attempt = (image: ImageSpec) => {
      try {
        buildWorkflow(image, { imagesFile: "images.yaml" });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as UserError).problems.map((p) => `${p.subject}: ${p.field}: ${p.message}`);
      }
      throw new Error("expected a UserError");
    };
    expect(attempt(makeImage({ buildArgs: { TOKEN: "${{ secrets.NPM_TOKEN }}" } }))).toEqual([
      'image "app": buildArgs.TOKEN: must not contain ${{ (it would be evaluated by GitHub Actions)',
    ]);
    expect(attempt(makeImage({ buildArgs: { A: "1\nB=2" } }))).toEqual(['image "app": buildArgs.A: must not contain a line break']);
    expect(attempt(makeImage({ source: { context: "x/${{github.token}}" } }))[0]).toContain("source.context");
  });
});

describe("dispatch inputs", () => {
  it("a generated workflow declares exactly DISPATCH_INPUTS, read back from its text", () => {
    for (const image of generated()) {
      const declared = Object.keys(parseWorkflowText(renderWorkflow(image)).on.workflow_dispatch.inputs);
      expect(declared).toEqual([...DISPATCH_INPUTS]);
      expect(workflowDispatchInputs(image)).toEqual(declared);
    }
  });

  it("an image's own workflow is dispatched with exactly its source.workflowInputs", () => {
    expect(workflowDispatchInputs(imageByName("metrics-service"))).toEqual(["version_bump", "triggered_by", "base_image", "base_digest"]);
    expect(workflowDispatchInputs(imageByName("e2e-runner"))).toEqual(["version_bump"]);
    // No workflowInputs given: the original's contract.
    expect(workflowDispatchInputs(imageByName("backstage"))).toEqual(["version_bump", "triggered_by", "base_image"]);
    for (const image of exampleImages().filter((i) => !i.source.generatedWorkflow)) {
      expect(workflowDispatchInputs(image)).toEqual(image.source.workflowInputs);
    }
  });

  it("dispatchTarget names the repo, file and ref the workflow is committed to", () => {
    expect(dispatchTarget(imageByName("uv"))).toEqual({
      repo: "acme/platform",
      owner: "acme",
      name: "platform",
      workflow: "build-uv.yml",
      ref: "main",
      inputs: [...DISPATCH_INPUTS],
    });
    expect(workflowPath(imageByName("uv"))).toBe(".github/workflows/build-uv.yml");
    expect(dispatchTarget(imageByName("backstage"))).toMatchObject({ repo: "acme/platform", workflow: "backstage.yml", inputs: ["version_bump", "triggered_by", "base_image"] });
  });

  it("documents the contract for images with their own workflow", () => {
    const text = ownWorkflowContract(exampleImages());
    for (const input of DISPATCH_INPUTS) expect(text).toContain(`\`${input}\``);
    expect(text).toContain("| e2e-runner | acme/platform | `e2e-runner.yml` | main | `version_bump` |");
    expect(text).toContain("| backstage | acme/platform | `backstage.yml` | main | `version_bump`, `triggered_by`, `base_image` |");
    expect(text).not.toContain("| uv |");
    expect(text).toContain("REGISTRY_DOCKER_IO_USERNAME");
  });
});

describe("other registries and layouts", () => {
  it("logs in to another registry with secrets named after its host, without packages: write", () => {
    expect(registrySecretNames("ghcr.io")).toBeUndefined();
    expect(registrySecretNames("registry.example.com:5000")).toEqual({
      username: "REGISTRY_REGISTRY_EXAMPLE_COM_5000_USERNAME",
      password: "REGISTRY_REGISTRY_EXAMPLE_COM_5000_PASSWORD",
    });
    const text = renderWorkflow(makeImage({ registry: "docker.io", repository: "acme/app" }));
    expect(stepUsing(text, ACTIONS.login)?.with).toEqual({
      registry: "docker.io",
      username: "${{ secrets.REGISTRY_DOCKER_IO_USERNAME }}",
      password: "${{ secrets.REGISTRY_DOCKER_IO_PASSWORD }}",
    });
    expect(parseWorkflowText(text).jobs.build.permissions).toEqual({ contents: "read" });
  });

  it("filters pushes by the context and the Dockerfile, with pattern characters escaped", () => {
    expect(pushPaths(makeImage({ source: { dockerfile: "Dockerfile" } }))).toEqual(["**", "Dockerfile"]);
    expect(pushPaths(makeImage({ source: { dockerfile: "build/Dockerfile", context: "src/" } }))).toEqual(["src/**", "build/Dockerfile"]);
    expect(pushPaths(makeImage({ source: { dockerfile: "a+b/[x]/Dockerfile" } }))).toEqual(["a\\+b/\\[x\\]/**", "a\\+b/\\[x\\]/Dockerfile"]);
  });
});

describe("determinism", () => {
  it("renders the same bytes twice, whatever order the build args were written in", () => {
    const a = makeImage({ buildArgs: { B: "2", A: "1" }, platforms: ["linux/amd64", "linux/arm64"] });
    const b = makeImage({ platforms: ["linux/amd64", "linux/arm64"], buildArgs: { A: "1", B: "2" } });
    expect(renderWorkflow(a)).toBe(renderWorkflow(a));
    expect(renderWorkflow(a)).toBe(renderWorkflow(b));
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
        const text = renderWorkflow(image);
        expect(renderWorkflow(image)).toBe(text);
        const wf = parseWorkflowText(text);
        expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual([...DISPATCH_INPUTS]);
        // Even a YAML 1.1 reader gets branch names like "on" or "yes" back as strings.
        const asYaml11 = parse(text, { version: "1.1" }) as Record<string, { push?: { branches: unknown[] } }>;
        expect(asYaml11.true?.push?.branches).toEqual([r.branch]);
        expect(untrustedExpressionsInRun(text)).toEqual([]);
        const args = stepUsing(text, ACTIONS.buildPush)?.with?.["build-args"];
        const expected = Object.keys(r.buildArgs).sort().map((k) => `${k}=${r.buildArgs[k]}`);
        expect(args === undefined ? [] : String(args).split("\n").slice(0, -1)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
