/**
 * The plan as Markdown that reads well in a terminal and as a pull-request comment: aligned
 * tables, short sections, long lists cut with a count (a PR comment is limited to 65,536
 * characters; --format json has everything).
 */
import type { FieldChange, ResourceChange } from "./diff";
import { shortBase } from "./graph";
import { fmt, type Plan } from "./plan";

export interface MarkdownLimits {
  changes: number;
  patches: number;
  patchLines: number;
  fanOut: number;
  warnings: number;
}

const LIMITS: MarkdownLimits = { changes: 60, patches: 8, patchLines: 40, fanOut: 15, warnings: 30 };

export interface MarkdownOptions {
  /** The terminal's width: tables wider than this are cut to fit (undefined: no limit). */
  columns?: number;
}

export function formatMarkdown(plan: Plan, limits: MarkdownLimits = LIMITS, _options: MarkdownOptions = {}): string {
  const out: string[] = [];
  out.push(`## image-factory plan: stack \`${plan.stack}\``, "");
  const imgs = plan.images.enrolled === plan.images.listed ? `${plural(plan.images.enrolled, "image")}` : `${plan.images.enrolled} of ${plural(plan.images.listed, "image")}`;
  out.push(
    `${imgs} in ${plural(plan.images.repositories, "repository", "repositories")} from \`${plan.images.file}\`` +
      (plan.overlay ? ` with overlay \`${plan.overlay}\`` : "") +
      ` · ${plural(plan.graph.bases, "watched base")} · delivery ${plan.delivery}`,
  );
  const facts: string[] = [];
  if (plan.revision) facts.push(`estate revision \`${plan.revision.replace(/^sha256:/, "").slice(0, 12)}\``);
  if (plan.promotion) facts.push(`promoted from \`${plan.promotion.from}\``);
  if (facts.length) out.push(`${facts.join(" · ")}`);
  out.push("");

  // ---- Resources
  if (plan.changes) {
    const c = plan.changes;
    out.push(`### Changes against \`${c.base}\``, "");
    if (c.list.length === 0) {
      out.push(`No changes: ${c.unchanged === 1 ? "the 1 resource is" : `all ${c.unchanged} resources are`} the same.`, "");
    } else {
      out.push(`**${c.added} to add, ${c.changed} to change, ${c.removed} to remove** (${c.unchanged} unchanged)`, "");
      const shown = c.list.slice(0, limits.changes);
      out.push(
        ...table(
          ["", "Resource", "Type", "What changes"],
          shown.map((ch) => [symbol(ch.op), ch.label, typeOf(ch.type), ch.op === "change" ? summarizeFields(ch.fields ?? []) : ch.op === "add" ? "new" : "deleted"]),
        ),
      );
      if (c.list.length > shown.length) out.push("", `… and ${c.list.length - shown.length} more (see \`--format json\`).`);
      out.push("");
      const patches = c.list.flatMap((ch) => (ch.fields ?? []).filter((f) => f.patch).map((f) => ({ ch, f })));
      for (const { ch, f } of patches.slice(0, limits.patches)) out.push(...patchBlock(ch, f, limits.patchLines));
      if (patches.length > limits.patches) out.push(`… and ${patches.length - limits.patches} more text diffs.`, "");
    }
  } else {
    out.push(`### Resources`, "");
    out.push(
      `${plural(plan.resources.total, "resource")}: ${plural(plan.resources.kubernetesObjects, "Kubernetes object")}, ${plural(plan.resources.githubFiles, "file")} committed to GitHub.`,
      "",
    );
    out.push(...table(["Type", "Count"], plan.resources.byType.map((t) => [t.type, String(t.count)])), "");
  }

  // ---- Rebuild graph
  out.push("### Rebuild graph", "");
  if (plan.graph.mermaid) {
    out.push("```mermaid", plan.graph.mermaid, "```", "");
    out.push("Bases on the left; an arrow is a rebuild trigger; dashed: waits for a manual promotion (autoRebuild false).", "");
  } else {
    out.push(`${plural(plan.graph.bases, "base")} and ${plural(plan.graph.images, "image")} with ${plural(plan.graph.edges, "trigger")}: too large to draw; see the table below.`, "");
  }

  // ---- Fan-out
  out.push("### When a base moves", "");
  if (plan.fanOut.length === 0) {
    out.push("No base is watched.", "");
  } else {
    const rows = plan.fanOut.slice(0, limits.fanOut).map((f) => [
      `\`${shortBase(f.base)}\``,
      list(f.direct, 3),
      String(f.rebuilt.length),
      String(f.dispatches),
      ...(plan.analysis ? [String(f.dispatches)] : []),
      String(f.updatePullRequests),
      f.held.length ? list(f.held, 3) : "–",
    ]);
    const header = ["Base", "Rebuilds directly", "Images rebuilt", "Build dispatches", ...(plan.analysis ? ["Analyze runs"] : []), "Update PRs", "Waiting for a person"];
    out.push(...table(header, rows));
    if (plan.fanOut.length > limits.fanOut) out.push("", `… and ${plan.fanOut.length - limits.fanOut} more bases.`);
    out.push(
      "",
      "Images rebuilt: directly and through managed images that rebuild and publish. Counts are the worst case: an image built on two rebuilt parents is dispatched once per parent's new version" +
        (plan.analysis ? "; every new version also runs the analyze workflow and each `updates` entry opens a pull request." : "; each `updates` entry opens a pull request per new version."),
      "",
    );
  }

  // ---- Registries
  out.push(...lifecycleSection(plan.lifecycle));

  out.push("### Registry polling", "");
  out.push(
    ...table(
      ["Registry", "Warehouses", "Interval", "Requests/hour", "Budget", "Known limit/hour", "Status"],
      plan.registries.map((r) => [
        r.registry,
        String(r.subscriptions),
        intervalCell(r),
        fmt(r.requestsPerHour),
        r.budget === undefined ? "–" : fmt(r.budget),
        r.limit === undefined ? "–" : fmt(r.limit),
        r.overBudget ? "**over budget**" : "ok",
      ]),
    ),
    "",
  );
  const limitNotes = [...new Set(plan.registries.flatMap((r) => (r.limitNote ? [`${r.registry}: ${r.limitNote}.`] : [])))];
  if (limitNotes.length) out.push(...limitNotes, "");

  // ---- Warnings and notes
  if (plan.warnings.length > 0) {
    out.push(`### Warnings (${plan.warnings.length})`, "");
    for (const w of plan.warnings.slice(0, limits.warnings)) out.push(`- ${w}`);
    if (plan.warnings.length > limits.warnings) out.push(`- … and ${plan.warnings.length - limits.warnings} more (see \`--format json\`)`);
    out.push("");
  }
  if (plan.notes.length > 0) {
    out.push("### Notes", "");
    for (const n of plan.notes) out.push(`- ${n}`);
    out.push("");
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

function lifecycleSection(l: Plan["lifecycle"]): string[] {
  const out = ["### Rebuilds", ""];
  const auto = l.rebuilds.filter((r) => r.auto).length;
  const kind = l.role === "owner" ? "real builds" : "dry runs (this stack is a canary: build and test, never push)";
  out.push(
    `${plural(l.rebuilds.length, "rebuild Stage")} dispatch ${kind}; ${auto} by themselves, ${l.rebuilds.length - auto} when a person promotes them. ` +
      "An image's first sight of a base (a new image or base, a rename, autoRebuild switched on) is a baseline: the Stage records the base's current digest and builds nothing; every later digest is rebuilt after the delay.",
  );
  const fresh = l.rebuilds.filter((r) => r.new).map((r) => r.stage);
  if (fresh.length > 0) out.push("", `New here, so their first promotions are baselines: ${list(fresh.map((s) => `\`${s}\``), 20)}.`);
  for (const b of l.newBases) {
    out.push("", `New base \`${b.warehouse}\`: ${b.images.length > 0 ? `${list(b.images, 20)} take its current digest as their baseline` : "no rebuild takes it"}; nothing is built until it moves.`);
  }
  if (l.notDispatched.length > 0) out.push("", `No dry run for ${list(l.notDispatched, 20)}: their workflows do not declare \`dry_run\`.`);
  if (l.rebuilds.length > 0) {
    out.push(
      "",
      "A failed rebuild is not retried by itself (Kargo never auto-promotes a Freight again after a failed Promotion): fix the cause, then promote the base's current Freight again with the command below. " +
        "Promoting any other Freight (an older one, or one still in its delay) holds auto-rebuilds from that base until its current Freight is promoted.",
      "",
    );
    out.push("<details><summary>Rebuild Stages and how to re-run them</summary>", "");
    out.push(...table(["Image", "Stage", "Promotes", "Takes Freight from", "Re-run"], l.rebuilds.map((r) => [r.image, r.stage, r.auto ? "by itself" : "by hand", r.origins.join(", "), `\`${r.rerun}\``])));
    out.push("", "</details>");
  }
  out.push("");
  return out;
}

export function formatJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

function summarizeFields(fields: readonly FieldChange[]): string {
  const parts = fields.slice(0, 3).map((f) => {
    const p = `\`${f.path.replace(/^inputs\./, "")}\``;
    if (f.patch) return `${p}: +${f.patch.added} −${f.patch.removed} lines`;
    if (f.before === undefined) return `${p}: set to ${value(f.after)}`;
    if (f.after === undefined) return `${p}: removed (was ${value(f.before)})`;
    return `${p}: ${value(f.before)} → ${value(f.after)}`;
  });
  if (fields.length > 3) parts.push(`${fields.length - 3} more`);
  return parts.join("; ");
}

function value(v: unknown): string {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  const short = text.length > 40 ? `${text.slice(0, 37)}…` : text;
  return `\`${short.replace(/`/g, "'")}\``;
}

function patchBlock(ch: ResourceChange, f: FieldChange, maxLines: number): string[] {
  const lines = f.patch!.text.split("\n");
  const body = lines.slice(0, maxLines);
  if (lines.length > maxLines) body.push(`… ${lines.length - maxLines} more lines`);
  // Four backticks: the diff may itself contain a Markdown fence.
  return [`<details><summary>${escapeHtml(ch.label)}: ${escapeHtml(f.path)} (+${f.patch!.added} −${f.patch!.removed})</summary>`, "", "````diff", ...body, "````", "", "</details>", ""];
}

function symbol(op: ResourceChange["op"]): string {
  return op === "add" ? "+" : op === "change" ? "~" : "-";
}

function typeOf(type: string): string {
  const last = type.split(":").pop() ?? type;
  return type.startsWith("pulumi:providers:") ? `provider ${last}` : last;
}

function list(names: readonly string[], max: number): string {
  if (names.length === 0) return "–";
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} +${names.length - max}` : shown;
}

/** A Markdown table with padded columns, so it also lines up in a terminal. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const cells = [header, ...rows].map((r) => r.map((c) => c.replace(/\|/g, "\\|").replace(/\n/g, " ")));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => width(r[i] ?? ""))));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ")} |`;
  return [line(cells[0]), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.slice(1).map(line)];
}

/** Display width: code points (the tables hold no wide characters). */
function width(s: string): number {
  return [...s].length;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The registry's interval, and the bases' own ones; only the own ones when no Warehouse uses the registry's. */
function intervalCell(r: Plan["registries"][number]): string {
  if (r.ownIntervals.length === 0) return r.interval;
  const own = r.ownIntervals.join(", ");
  return r.atRegistryInterval === 0 ? own : `${r.interval}; own: ${own}`;
}
