/**
 * Rebuild notifications: the stack settings `image-factory:notifications` (which events) and the
 * secret `image-factory:notificationWebhook` (where to post). The webhook is only ever checked
 * here, never echoed: a message about it names the key and the rule, not the value.
 */
import { z } from "zod";
import { type Problem, UserError } from "./errors";
import type { StackSettings } from "./stack";

/** The stack config namespace (as src/config/stack.ts's CONFIG_NAMESPACE, which imports this file). */
const CONFIG_NAMESPACE = "image-factory";

/** What a rebuild Stage can tell the webhook about. */
export const NOTIFICATION_EVENTS = ["dispatched", "built", "failed"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Only failures unless asked: a rebuild that went well needs nobody. */
export const DEFAULT_NOTIFICATION_EVENTS: readonly NotificationEvent[] = ["failed"];

export const notificationSettingsSchema = z.strictObject({
  /**
   * dispatched: the workflow was dispatched; built: the run was followed to success; failed:
   * the dispatch failed, or the run failed, was cancelled or timed out. `[]` mutes them.
   */
  events: z
    .array(z.enum(NOTIFICATION_EVENTS, "must be dispatched, built or failed"))
    .refine((events) => new Set(events).size === events.length, "lists an event twice")
    .default([...DEFAULT_NOTIFICATION_EVENTS]),
});

export type NotificationSettings = z.output<typeof notificationSettingsSchema>;

/** The GitHub environment of the factory repository, per stack, whose secret holds the webhook. */
export function notifyEnvironment(stack: string): string {
  return `${stack}-notify`;
}

/** The environment secret the notify workflow posts to. */
export const WEBHOOK_SECRET_NAME = "NOTIFICATION_WEBHOOK";

/** The secret stack key holding the webhook URL. */
export const WEBHOOK_KEY = "notificationWebhook";

/**
 * Why a webhook URL cannot be used, or undefined. Never quotes the value: the whole URL is the
 * credential of an incoming webhook (Slack's, Mattermost's and Google Chat's carry their key
 * in the path or the query).
 */
export function webhookProblem(text: string): string | undefined {
  if (text.trim() === "") return "is empty: set the webhook URL (pulumi config set --secret image-factory:notificationWebhook ...)";
  // A header-, log- and shell-safe URL: printable ASCII without blanks or quotes.
  if (!/^[\x21-\x7e]+$/.test(text) || /["'`\\<>{}|^]/.test(text)) {
    return "is not a URL: it holds a blank, a quote, a line break, a control or non-ASCII character (the value is not shown)";
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL (the value is not shown)";
  }
  if (url.protocol !== "https:") return "must be an https:// URL (the value is not shown)";
  if (url.hostname === "") return "must name a host (the value is not shown)";
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password (the value is not shown)";
  return undefined;
}

/** What a stack's notifications are sent with, once checked against its other settings. */
export interface StackNotifications {
  events: NotificationEvent[];
  factoryRepo: string;
  factoryBranch: string;
  workflow: string;
}

/**
 * The stack's notifications, or undefined when it sends none (no webhook). `notifications`
 * without the webhook, a webhook without `github.factoryRepo` (its notify workflow posts
 * them), and `built` when runs are not followed are errors: each would silently send nothing.
 */
export function stackNotifications(
  settings: Pick<StackSettings, "notifications" | "github">,
  opts: { hasWebhook: boolean; configFile: string },
): StackNotifications | undefined {
  const key = (k: string) => `${CONFIG_NAMESPACE}:${k}`;
  if (!opts.hasWebhook) {
    if (settings.notifications === undefined) return undefined;
    throw new UserError([
      {
        file: opts.configFile,
        field: key("notifications"),
        message: `is set, but the secret ${key(WEBHOOK_KEY)} is not: set it (pulumi config set --secret ${key(WEBHOOK_KEY)} <url>, or in the stack's ESC environment) or remove ${key("notifications")}`,
      },
    ]);
  }
  const problems: Problem[] = [];
  const events = settings.notifications?.events ?? [...DEFAULT_NOTIFICATION_EVENTS];
  if (!settings.github.factoryRepo) {
    problems.push({ file: opts.configFile, field: key("github.factoryRepo"), message: `is required when ${key(WEBHOOK_KEY)} is set: the factory repository's notify workflow posts the notifications` });
  }
  if (settings.github.followRuns === false && events.includes("built")) {
    problems.push({ file: opts.configFile, field: key("notifications.events"), message: "cannot include built when github.followRuns is false: no run is followed to its end" });
  }
  if (problems.length > 0) throw new UserError(problems);
  return { events, factoryRepo: settings.github.factoryRepo!, factoryBranch: settings.github.factoryBranch, workflow: settings.github.notifyWorkflow ?? DEFAULT_NOTIFY_WORKFLOW };
}

/** The factory repository's notify workflow, unless `github.notifyWorkflow` names another. */
export const DEFAULT_NOTIFY_WORKFLOW = "notify.yml";
