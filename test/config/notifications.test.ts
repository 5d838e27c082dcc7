// The notification settings: `image-factory:notifications` (which events) and the secret
// `image-factory:notificationWebhook` (an https URL, never shown), as every reader checks them:
// the stack config, the program (Pulumi's config), and render's stack-file reader.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { stackNotifications, webhookProblem } from "../../src/config/notifications";
import { parseStackSettings } from "../../src/config/stack";
import { runProgram } from "../helpers/program-run";
import { readProjectFile, readStackValues, secretPlaceholder } from "../../src/render/stack-files";
import { problemsOf } from "../helpers/problems";

const opts = { source: "Pulumi.dev.yaml", projectDir: "/project" };
const settings = (raw: Record<string, string>) => parseStackSettings(raw, opts);
const GITHUB = JSON.stringify({ factoryRepo: "acme/image-factory" });

describe("image-factory:notifications", () => {
  it("sends failures only unless told otherwise", () => {
    expect(settings({ notifications: "{}" }).notifications).toEqual({ events: ["failed"] });
    expect(settings({}).notifications).toBeUndefined();
    expect(settings({ notifications: JSON.stringify({ events: ["dispatched", "built", "failed"] }) }).notifications?.events).toEqual(["dispatched", "built", "failed"]);
  });

  it("names the field of every wrong value", () => {
    expect(problemsOf(() => settings({ notifications: JSON.stringify({ events: ["started", "built"] }) }))).toEqual([
      "Pulumi.dev.yaml: image-factory:notifications.events[0]: must be dispatched, built or failed",
    ]);
    expect(problemsOf(() => settings({ notifications: JSON.stringify({ events: ["built", "built"] }) }))).toEqual([
      "Pulumi.dev.yaml: image-factory:notifications.events: lists an event twice",
    ]);
    expect(problemsOf(() => settings({ notifications: JSON.stringify({ event: ["failed"] }) }))).toEqual(["Pulumi.dev.yaml: image-factory:notifications.event: unknown key"]);
    expect(problemsOf(() => settings({ notifications: "failed" }))).toEqual([
      "Pulumi.dev.yaml: image-factory:notifications: must be an object (set it as a YAML mapping in the stack file)",
    ]);
    expect(problemsOf(() => settings({ github: JSON.stringify({ notifyWorkflow: "../notify.yml" }) }))).toEqual([
      "Pulumi.dev.yaml: image-factory:github.notifyWorkflow: must be a workflow file name",
    ]);
  });

  it("needs the webhook, the factory repository, and followed runs for `built`", () => {
    const check = (raw: Record<string, string>, hasWebhook: boolean) => () => stackNotifications(settings(raw), { hasWebhook, configFile: "Pulumi.dev.yaml" });
    expect(check({ github: GITHUB }, false)()).toBeUndefined();
    expect(problemsOf(check({ github: GITHUB, notifications: "{}" }, false))).toEqual([
      "Pulumi.dev.yaml: image-factory:notifications: is set, but the secret image-factory:notificationWebhook is not: set it (pulumi config set --secret image-factory:notificationWebhook <url>, or in the stack's ESC environment) or remove image-factory:notifications",
    ]);
    expect(problemsOf(check({}, true))).toEqual([
      "Pulumi.dev.yaml: image-factory:github.factoryRepo: is required when image-factory:notificationWebhook is set: the factory repository's notify workflow posts the notifications",
    ]);
    expect(problemsOf(check({ github: JSON.stringify({ factoryRepo: "acme/image-factory", followRuns: false }), notifications: JSON.stringify({ events: ["built"] }) }, true))).toEqual([
      "Pulumi.dev.yaml: image-factory:notifications.events: cannot include built when github.followRuns is false: no run is followed to its end",
    ]);
    expect(check({ github: GITHUB }, true)()).toEqual({ events: ["failed"], factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" });
  });
});

describe("image-factory:notificationWebhook", () => {
  const CANARY = "https://hooks.example.test/services/CANARY-SECRET-7f3a";

  it("takes an https URL with a host, as Slack, Mattermost and Google Chat hand them out", () => {
    expect(webhookProblem(CANARY)).toBeUndefined();
    expect(webhookProblem("https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k-1&token=t_2")).toBeUndefined();
  });

  it("refuses anything else, and never shows the value", () => {
    const bad = [
      "http://hooks.example.test/services/CANARY-SECRET-7f3a",
      "hooks.example.test/services/CANARY-SECRET-7f3a",
      "https://user:CANARY-SECRET-7f3a@hooks.example.test/x",
      "https://hooks.example.test/services/CANARY-SECRET-7f3a\n",
      "https://hooks.example.test/services/CANARY SECRET-7f3a",
      'https://hooks.example.test/"CANARY-SECRET-7f3a',
      "   ",
    ];
    for (const value of bad) {
      const problem = webhookProblem(value);
      expect(problem, JSON.stringify(value)).toBeDefined();
      expect(problem).not.toContain("CANARY");
    }
    expect(webhookProblem("http://hooks.example.test/x")).toBe("must be an https:// URL (the value is not shown)");
  });

  it("stops the program before it declares anything, naming the key and not the value", async () => {
    const { error, declared } = await runProgram({
      config: {
        "image-factory:githubToken": "token-value-for-tests",
        "image-factory:kubernetes": JSON.stringify({ context: "test" }),
        "image-factory:notificationWebhook": "http://hooks.example.test/services/CANARY-SECRET-7f3a",
      },
      secretKeys: ["image-factory:githubToken", "image-factory:notificationWebhook"],
    });
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe("Pulumi.dev.yaml: image-factory:notificationWebhook: must be an https:// URL (the value is not shown)");
    expect(declared).toEqual([]);
  });
});

describe("render's reading of the stack file", () => {
  function project(stackFile: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-notify-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: image-factory\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackFile);
    return dir;
  }
  const read = (dir: string, overrides: string[] = []) => readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev", overrides });

  it("treats the webhook as a secret wherever it comes from", () => {
    const v = read(project("config:\n  image-factory:kargoProject: estate\n"), [`image-factory:notificationWebhook=${CANARY_URL}`]);
    expect(v.secretKeys).toContain("image-factory:notificationWebhook");
    expect(v.secretValues).toContain(CANARY_URL);
  });

  it("refuses a webhook that is not an https URL without showing it", () => {
    const problems = problemsOf(() => read(project("config: {}\n"), ["image-factory:notificationWebhook=ftp://hooks.example.test/CANARY-SECRET-7f3a"]));
    expect(problems).toEqual(["Pulumi.dev.yaml: image-factory:notificationWebhook: must be an https:// URL (the value is not shown)"]);
  });

  it("stands in a placeholder for a webhook the stack's ESC environment may hold, when the stack asks for notifications", () => {
    const v = read(project("environment:\n  - image-factory/dev\nconfig:\n  image-factory:kubernetes:\n    context: dev\n  image-factory:notifications:\n    events: [failed]\n"));
    expect(v.config["image-factory:notificationWebhook"]).toBe(secretPlaceholder("image-factory:notificationWebhook"));
    expect(v.notes).toContain("image-factory:notificationWebhook is not set in Pulumi.dev.yaml and may come from its ESC environment; a placeholder stands in for it");
    // Without `notifications` the stack sends none: nothing is assumed.
    expect(read(project("environment:\n  - image-factory/dev\nconfig:\n  image-factory:kubernetes:\n    context: dev\n")).config["image-factory:notificationWebhook"]).toBeUndefined();
  });
});

const CANARY_URL = "https://hooks.example.test/services/CANARY-SECRET-7f3a";
