// The plan's "Rebuild notifications" section comes from what the program declared: the notify
// environment's secret among the rendered resources (the webhook itself is never in a render).
import { describe, expect, it } from "vitest";
import { formatMarkdown } from "../../src/plan/format";
import { buildPlan, notificationPlan } from "../../src/plan/plan";
import { diamond } from "./fixtures";

const github = { factoryRepo: "acme/factory", factoryBranch: "main", analyzeWorkflow: "analyze.yml", manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } };
const settings = {
  registries: {},
  delivery: { mode: "direct" as const, branch: "main", path: "kargo", argocd: { name: "a", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" } },
  github,
};
const webhookSecret = {
  urn: "urn:pulumi:prod::p::github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret::notifications-webhook",
  type: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  name: "notifications-webhook",
  dependsOn: [],
  options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
  inputs: { repository: "factory", environment: "prod-notify", secretName: "NOTIFICATION_WEBHOOK", value: "[secret]" },
};

function render(resources: unknown[]) {
  return { project: "p", stack: "prod", resources: resources as never, files: new Map<string, string>(), logs: [], notes: [] };
}

describe("plan: rebuild notifications", () => {
  it("has no section when the stack declares no webhook secret", () => {
    const plan = buildPlan({ render: render([]), estate: diamond(), settings, imagesFile: { file: "images.yaml", images: 4 } });
    expect(plan.notifications).toBeUndefined();
    expect(formatMarkdown(plan)).not.toContain("### Rebuild notifications");
  });

  it("names the default event (failed), the notify workflow and the environment holding the webhook", () => {
    const plan = buildPlan({ render: render([webhookSecret]), estate: diamond(), settings, imagesFile: { file: "images.yaml", images: 4 } });
    expect(plan.notifications).toEqual({ events: ["failed"], repo: "acme/factory", workflow: "notify.yml", environment: "prod-notify", dryRuns: false });
    const md = formatMarkdown(plan);
    expect(md).toContain("Events posted: failed. Each rebuild Stage dispatches `notify.yml` in acme/factory, which posts to the webhook held by its environment `prod-notify`");
    expect(md).not.toContain("[dry run]");
  });

  it("says when events are muted, and a canary's messages are about dry runs", () => {
    const n = notificationPlan([webhookSecret], { github: { ...github, notifyWorkflow: "ping.yml" }, notifications: { events: [] }, builds: "canary" });
    expect(n).toEqual({ events: [], repo: "acme/factory", workflow: "ping.yml", environment: "prod-notify", dryRuns: true });
    const md = formatMarkdown(buildPlan({ render: render([webhookSecret]), estate: diamond(), settings: { ...settings, notifications: { events: [] }, builds: "canary" }, imagesFile: { file: "images.yaml", images: 4 } }));
    expect(md).toContain("Events posted: none (muted: `notifications.events: []`)");
    expect(md).toContain("This stack is a canary: its messages start with [dry run].");
  });
});
