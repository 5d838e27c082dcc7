// A stack that sends notifications, rendered and planned as a user would (one CLI process each),
// with a canary webhook as its secret: the webhook appears in no file, in no form, and in
// nothing plan prints; the Kargo objects carry the notification steps; the secret is written
// only as "[secret]".
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { imageFactory, type ProcessRun, readTree } from "./child";

const CANARY = "https://hooks.example.test/services/CANARY-SECRET-0c4d2a";
const FORMS = [CANARY, "CANARY-SECRET-0c4d2a", encodeURIComponent(CANARY), Buffer.from(CANARY).toString("base64"), Buffer.from(CANARY).toString("base64url")];
const CONFIG = ["--config", `image-factory:notificationWebhook=${CANARY}`, "--config", 'image-factory:notifications={"events": ["dispatched", "built", "failed"]}'];

let tree: Map<string, Buffer>;
let render: ProcessRun;
let plan: ProcessRun;
beforeAll(() => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "if-notify-render-")), "out");
  render = imageFactory(["render", "--stack", "dev", "--out", out, ...CONFIG]);
  if (render.code !== 0) throw new Error(`render failed: ${render.stderr}`);
  tree = readTree(out);
  plan = imageFactory(["plan", "--stack", "dev", ...CONFIG]);
}, 240_000);

describe("render and plan of a stack with a notification webhook", () => {
  it("write and print the webhook nowhere, in no form", () => {
    for (const [file, content] of tree) for (const form of FORMS) expect(content.toString("utf8").includes(form), file).toBe(false);
    expect(plan.code).toBe(0);
    for (const text of [render.stdout, render.stderr, plan.stdout, plan.stderr]) for (const form of FORMS) expect(text.includes(form)).toBe(false);
  });

  it("plan says where the notifications go, for which events, and that a canary's are about dry runs", () => {
    expect(plan.stdout).toContain("### Rebuild notifications");
    expect(plan.stdout).toContain("Events posted: dispatched, built, failed. Each rebuild Stage dispatches `notify.yml` in acme/image-factory, which posts to the webhook held by its environment `dev-notify`");
    expect(plan.stdout).toContain("This stack is a canary: its messages start with [dry run].");
  });

  it("show the environment secret as [secret]", () => {
    const resources = JSON.parse(tree.get("resources.json")!.toString("utf8")) as Array<{ type: string; inputs: Record<string, unknown> }>;
    const secret = resources.find((r) => r.type === "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")!;
    expect(secret.inputs).toMatchObject({ environment: "dev-notify", secretName: "NOTIFICATION_WEBHOOK", value: "[secret]" });
  });

  it("render the notification steps into the rebuild Stages, and a dry run's text", () => {
    const uv = tree.get("kubernetes/stage_image-factory_rebuild-uv.yaml")!.toString("utf8");
    expect(uv).toContain("as: notify-dispatched");
    expect(uv).toContain("/repos/acme/image-factory/actions/workflows/notify.yml/dispatches");
    // dev is a canary: its messages say so.
    expect(uv).toContain("[dry run] image-factory dev: uv");
  });
});

describe("validate", () => {
  it("names the events a stack notifies, and refuses a webhook that is not https without showing it", () => {
    const ok = imageFactory(["validate", "--stack", "dev", ...CONFIG]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("builds canary, notifies dispatched, built, failed");
    const bad = imageFactory(["validate", "--stack", "dev", "--config", `image-factory:notificationWebhook=${CANARY.replace("https:", "http:")}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Pulumi.dev.yaml: image-factory:notificationWebhook: must be an https:// URL (the value is not shown)");
    for (const form of FORMS.slice(1, 2)) expect(bad.stdout + bad.stderr).not.toContain(form);
  });
});
