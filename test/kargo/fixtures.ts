import * as path from "node:path";
import { readLock } from "../../src/analysis/lock";
import { loadImagesFile } from "../../src/config/images";
import { buildEstate } from "../../src/model/estate";
import type { Estate } from "../../src/model/types";
import type { KubernetesObject } from "../../src/gitops/manifests";
import { completeImage, type ImageInput, imageSchema } from "../../src/config/schema";
import type { ImageNode, RebuildTrigger, WatchedBase } from "../../src/model/types";

export const ROOT = path.resolve(__dirname, "..", "..");

/** An image through the same validation and defaults images.yaml gets. */
function image(input: ImageInput) {
  return completeImage(imageSchema.parse(input));
}

const NODE = "docker.io/library/node:22-bookworm-slim";
const PYTHON = "docker.io/library/python:3.12-slim";
const DISTROLESS = "gcr.io/distroless/python3-debian12:nonroot";
const UV_BIN = "ghcr.io/astral-sh/uv:0.5";
const PLAYWRIGHT = "mcr.microsoft.com/playwright:v1.48.0-noble";

function onBase(key: string, reference: string, runtime: boolean): RebuildTrigger {
  return { source: { kind: "base", key }, reference, runtime };
}

/**
 * The example estate (examples/estate/images.yaml and its lock), written out by hand, so the
 * Kargo tests do not depend on the Dockerfile analysis. A test checks it still equals what
 * buildEstate makes of the example.
 */
export function handEstate(): Estate {
  const node = (spec: ReturnType<typeof image>, bases: ImageNode["bases"], triggers: RebuildTrigger[]): ImageNode => ({
    spec,
    repoURL: `${spec.registry}/${spec.repository}`,
    bases,
    triggers,
  });
  const base = (b: Omit<WatchedBase, "registry"> & { registry?: string }): WatchedBase => ({ ...b, registry: b.registry ?? b.repoURL.split("/")[0] });
  return {
    images: [
      node(
        image({
          name: "backstage",
          registry: "ghcr.io",
          repository: "acme/backstage",
          source: { provider: "github", repo: "acme/platform", branch: "main", dockerfile: "backstage/packages/backend/Dockerfile", context: "backstage", workflow: "backstage.yml" },
          rebuildDelay: "7d",
          autoRebuild: true,
        }),
        [{ reference: "docker.io/library/node:22-bookworm-slim", runtime: true, line: 12 }],
        [onBase(NODE, "docker.io/library/node:22-bookworm-slim", true)],
      ),
      node(
        image({
          name: "e2e-runner",
          repository: "acme/e2e-runner",
          source: { repo: "acme/platform", dockerfile: "apps/e2e-runner/Dockerfile", workflow: "e2e-runner.yml", workflowInputs: ["version_bump"] },
          rebuildDelay: "7d",
          autoRebuild: false,
          rebuildOn: "runtime",
        }),
        [
          { reference: UV_BIN, runtime: false, line: 3 },
          { reference: PLAYWRIGHT, runtime: true, line: 1 },
        ],
        [onBase(PLAYWRIGHT, PLAYWRIGHT, true)],
      ),
      node(
        image({ name: "python-base", repository: "acme/python-base", source: { repo: "acme/platform", dockerfile: "images/python-base/Dockerfile" }, rebuildDelay: "1d", versionBump: "patch" }),
        [{ reference: PYTHON, runtime: true, line: 2 }],
        [onBase(PYTHON, PYTHON, true)],
      ),
      node(
        image({
          name: "metrics-service",
          repository: "acme/data-tools/metrics-service",
          source: { repo: "acme/data-tools", dockerfile: "metrics-service/Dockerfile", workflow: "metrics-service.yml", workflowInputs: ["version_bump", "triggered_by", "base_image", "base_digest"] },
          rebuildDelay: "2d",
          updates: [
            { repo: "acme/data-tools", path: "deploy/metrics-service", type: "kustomize-set-image" },
            { repo: "acme/platform", path: "charts/metrics/values.yaml", type: "yaml-update", key: "image.tag" },
          ],
        }),
        [{ reference: "ghcr.io/acme/python-base:latest", runtime: true, line: 7 }],
        [{ source: { kind: "image", name: "python-base" }, reference: "ghcr.io/acme/python-base:latest", runtime: true }],
      ),
      node(
        image({
          name: "report-worker",
          repository: "acme/data-tools/report-worker",
          source: { repo: "acme/data-tools", dockerfile: "report-worker/Dockerfile" },
          rebuildDelay: "0d",
          versionBump: "minor",
          buildArgs: { NODE_MAJOR: "22" },
          platforms: ["linux/amd64", "linux/arm64"],
          updates: [
            { repo: "acme/data-tools", path: "deploy/report-worker/staging", type: "kustomize-set-image", environment: "staging" },
            { repo: "acme/data-tools", path: "deploy/report-worker/prod", type: "kustomize-set-image", environment: "prod", after: "staging", soak: "2d" },
          ],
          scan: { failOn: ["HIGH", "CRITICAL"] },
        }),
        [{ reference: "docker.io/library/node:22-bookworm-slim", runtime: true, line: 7 }],
        [onBase(NODE, "docker.io/library/node:22-bookworm-slim", true)],
      ),
      node(
        image({
          name: "uv",
          repository: "acme/uv",
          source: { repo: "acme/platform", dockerfile: "apps/uv/Dockerfile" },
          rebuildDelay: "3d",
          buildArgs: { PYTHON_VERSION: "3.12" },
          platforms: ["linux/amd64", "linux/arm64"],
        }),
        [
          { reference: PYTHON, runtime: false, line: 5 },
          { reference: "gcr.io/distroless/python3-debian12:nonroot", runtime: true, line: 13 },
          { reference: UV_BIN, runtime: false, line: 6 },
        ],
        [onBase(PYTHON, PYTHON, false), onBase(DISTROLESS, "gcr.io/distroless/python3-debian12:nonroot", true), onBase(UV_BIN, UV_BIN, false)],
      ),
    ],
    bases: [
      base({ key: NODE, repoURL: "docker.io/library/node", tag: "22-bookworm-slim", tagPolicy: "digest", interval: "6h", declared: true, dependents: ["backstage", "report-worker"] }),
      base({ key: PYTHON, repoURL: "docker.io/library/python", tag: "3.12-slim", tagPolicy: "digest", declared: false, dependents: ["python-base", "uv"] }),
      base({ key: DISTROLESS, repoURL: "gcr.io/distroless/python3-debian12", tag: "nonroot", tagPolicy: "digest", interval: "12h", declared: true, dependents: ["uv"] }),
      base({ key: UV_BIN, repoURL: "ghcr.io/astral-sh/uv", tag: "0.5", tagPolicy: "digest", declared: false, dependents: ["uv"] }),
      base({ key: PLAYWRIGHT, repoURL: "mcr.microsoft.com/playwright", tag: "v1.48.0-noble", tagPolicy: "digest", declared: false, dependents: ["e2e-runner"] }),
    ],
    unwatched: [{ image: "e2e-runner", reference: UV_BIN, reason: "build-only base, and the image has rebuildOn: runtime" }],
  };
}

/** The example estate, as the program builds it from images.yaml and the committed lock. */
export function exampleEstate(): Estate {
  const dir = path.join(ROOT, "examples", "estate");
  return buildEstate(loadImagesFile(path.join(dir, "images.yaml"), "images.yaml"), readLock(dir));
}

export function find(objects: KubernetesObject[], kind: string, name: string): KubernetesObject & { spec: any } {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o as KubernetesObject & { spec: any };
}

/**
 * The top-level keys of the `inputs` map of a dispatch body, read the way expr-lang reads
 * the map literal: skipping string literals and anything nested in brackets.
 */
export function bodyInputs(body: string): { ref: string; inputs: string[] } {
  const ref = /"ref": ("(?:[^"\\]|\\.)*")/.exec(body);
  const start = body.indexOf('"inputs": {');
  if (!ref || start < 0) throw new Error(`not a dispatch body: ${body}`);
  const keys: string[] = [];
  let depth = 0;
  let expectKey = true;
  for (let i = start + '"inputs": {'.length; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      let j = i + 1;
      while (body[j] !== '"') j += body[j] === "\\" ? 2 : 1;
      if (depth === 0 && expectKey) {
        keys.push(JSON.parse(body.slice(i, j + 1)));
        expectKey = false;
      }
      i = j;
    } else if ("{([".includes(c)) depth++;
    else if ("})]".includes(c)) {
      if (depth === 0) break;
      depth--;
    } else if (c === "," && depth === 0) expectKey = true;
  }
  return { ref: JSON.parse(ref[1]), inputs: keys };
}

const GITLAB_PYTHON = "docker.io/library/python:3.12-slim";

function gitlabImage(input: Partial<ImageInput> & { name: string; source: ImageInput["source"] }): ImageNode {
  const spec = completeImage(imageSchema.parse({ repository: `acme/${input.name}`, registry: "registry.gitlab.com", ...input }));
  return {
    spec,
    repoURL: `${spec.registry}/${spec.repository}`,
    bases: [{ reference: GITLAB_PYTHON, runtime: true, line: 1 }],
    triggers: [{ source: { kind: "base", key: GITLAB_PYTHON }, reference: GITLAB_PYTHON, runtime: true }],
  };
}

/** The example estate plus two GitLab images: one on gitlab.com in a subgroup, one self-managed. */
export function gitlabEstate(): Estate {
  const estate = handEstate();
  const docs = gitlabImage({ name: "docs-site", source: { provider: "gitlab", repo: "acme/web/Docs", branch: "release/2", dockerfile: "site/Dockerfile" }, versionBump: "minor" });
  const tools = gitlabImage({ name: "tools", source: { provider: "gitlab", host: "git.acme.example:8443", repo: "infra/tools", dockerfile: "Dockerfile" } });
  estate.images.push(docs, tools);
  const python = estate.bases.find((b) => b.key === GITLAB_PYTHON)!;
  python.dependents = [...python.dependents, "docs-site", "tools"].sort();
  return estate;
}

