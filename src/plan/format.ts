/**
 * The plan as Markdown that reads well in a terminal and as a pull-request comment: aligned
 * tables, short sections, long lists cut with a count (a PR comment is limited to 65,536
 * characters; --format json has everything).
 */
import type { FieldChange, ResourceChange } from "./diff";
import { chainText } from "./environments";
import { shortBase } from "./graph";
import { fmt, type Plan } from "./plan";
import { OFFSET_TABLE_LAST_DAY } from "../kargo/windows";

export interface MarkdownLimits {
  changes: number;
  patches: number;
  patchLines: number;
  fanOut: number;
  warnings: number;
}

const LIMITS: MarkdownLimits = { changes: 60, patches: 25, patchLines: 60, fanOut: 15, warnings: 30 };

export interface MarkdownOptions {
  /** The terminal's width: tables wider than this are cut to fit (undefined: no limit). */
  columns?: number;
}

export function formatMarkdown(plan: Plan, limits: MarkdownLimits = LIMITS, options: MarkdownOptions = {}): string {
  const tbl = (header: readonly string[], rows: ReadonlyArray<readonly string[]>) => table(header, rows, options.columns);
  const out: string[] = [];
  out.push(`## image-factory plan: stack \`${plan.stack}\``, "");
  out.push(plan.summary, "");
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
      out.push(`**${c.added} to add, ${c.changed} to change, ${c.replaced ? `${c.replaced} to replace, ` : ""}${c.removed} to remove** (${c.unchanged} unchanged)`, "");
      const shown = c.list.slice(0, limits.changes);
      out.push(...tbl(["", "Resource", "Type", "What changes"], shown.map((ch) => [symbol(ch.op), ch.label, typeOf(ch.type), whatChanges(ch)])));
      if (c.list.length > shown.length) out.push("", `… and ${c.list.length - shown.length} more (see \`--format json\`).`);
      out.push("");
      // Every changed field in full, per resource, folded: long values and lists read whole.
      const detailed = c.list.filter((ch) => (ch.fields ?? []).length > 0);
      for (const ch of detailed.slice(0, limits.patches)) out.push(...detailsBlock(ch, limits.patchLines));
      if (detailed.length > limits.patches) out.push(`… and ${detailed.length - limits.patches} more changed resources in full (see \`--format json\`).`, "");
    }
  } else {
    out.push(`### Resources`, "");
    out.push(
      `${plural(plan.resources.total, "resource")}: ${plural(plan.resources.kubernetesObjects, "Kubernetes object")}, ${plural(plan.resources.githubFiles, "file")} committed to GitHub.`,
      "",
    );
    out.push(...tbl(["Type", "Count"], plan.resources.byType.map((t) => [t.type, String(t.count)])), "");
  }

  // ---- Rebuild graph
  out.push("### Rebuild graph", "");
  const legend = "Bases on the left; an arrow is a rebuild trigger; dashed: waits for a manual promotion (autoRebuild false)";
  const marksLegend = plan.graph.marks ? "; green border: added, amber: changed, red: removed" : "";
  if (plan.graph.partial) {
    out.push(`The part of the graph this change touches: ${plan.graph.partial.shown} of ${plural(plan.graph.partial.total, "node")} (the changed nodes and their direct neighbours).`, "");
  }
  if (plan.graph.mermaid) {
    out.push("```mermaid", plan.graph.mermaid, "```", "");
    out.push(`${legend}${marksLegend}.`, "");
  }
  if (plan.graph.overview) {
    out.push(
      `${plural(plan.graph.bases, "base")} and ${plural(plan.graph.images, "image")} with ${plural(plan.graph.edges, "trigger")}: the whole graph is too large to draw. Overview: bases by registry → images by source repository (arrows: images triggered).`,
      "",
      "```mermaid",
      plan.graph.overview,
      "```",
      "",
    );
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
    out.push(...tbl(header, rows));
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
  out.push(...environmentsSection(plan.environments));
  out.push(...scanSection(plan.scans));
  out.push(...windowSection(plan.windows));
  out.push(...notificationSection(plan.notifications));

  out.push("### Registry polling", "");
  out.push(
    ...tbl(
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

function environmentsSection(chains: Plan["environments"]): string[] {
  if (chains.length === 0) return [];
  const out = ["### Promotion through environments", ""];
  out.push(
    "A new version opens pull requests in each image's first environments at once, and in every later environment only once the environment it comes after has held it for the soak. " +
      "An environment that another follows holds a version from when its pull requests are merged; one closed unmerged stops the version there.",
    "",
  );
  for (const c of chains) out.push(`- ${c.image}: ${chainText(c)}${c.generatedBuild ? (c.scanned ? "" : " (scan: false: what it pushes is not scanned; the chain guarantees order and soak)") : " (built by its own workflow: what it pushes is not scanned by the factory; the chain guarantees order and soak)"}`);
  out.push("", "<details><summary>Environment Stages</summary>", "");
  out.push(
    ...table(
      ["Image", "Environment", "After", "Soak", "Stage", "Pull requests", "Waits for merge"],
      chains.flatMap((c) => c.environments.map((e) => [c.image, e.environment, e.after ?? "–", e.after ? (e.soak ?? "none") : "–", e.stage, String(e.pullRequests), e.waitsForMerge ? "yes" : "no"])),
    ),
  );
  out.push("", "</details>", "");
  return out;
}

function scanSection(s: Plan["scans"]): string[] {
  const out = ["### Security scans", ""];
  const lines: string[] = [];
  for (const g of s.scanned) {
    const on = g.failOn.length > 0 ? `fails on ${g.failOn.join(", ")}` : "reports only (failOn: [])";
    lines.push(`- scanned before the push (Trivy), ${on}${g.ignoreUnfixed ? ", unfixed findings left out" : ", unfixed findings included"}: ${list(g.images, 20)}`);
  }
  if (s.off.length > 0) lines.push(`- not scanned (\`scan: false\`): ${list(s.off, 20)}`);
  if (s.ownWorkflow.length > 0) lines.push(`- built by a workflow of their own, which does any scanning: ${list(s.ownWorkflow, 20)}`);
  if (lines.length === 0) return [];
  out.push(
    ...lines,
    "",
    "Each generated build scans every platform of what it pushes; canary dry runs scan too; `image-factory rescan` reports what a rebuild on the current base would fix in the published versions.",
    "",
  );
  return out;
}

function notificationSection(n: Plan["notifications"]): string[] {
  if (!n) return [];
  const events = n.events.length > 0 ? n.events.join(", ") : "none (muted: `notifications.events: []`)";
  return [
    "### Rebuild notifications",
    "",
    `Events posted: ${events}. Each rebuild Stage dispatches \`${n.workflow}\` in ${n.repo}, which posts to the webhook held by its environment \`${n.environment}\`; Kargo never sees the webhook, and a failing notification never fails a rebuild.` +
      (n.dryRuns ? " This stack is a canary: its messages start with [dry run]." : ""),
    "",
  ];
}

function windowSection(windows: Plan["windows"]): string[] {
  if (windows.length === 0) return [];
  const out = ["### Rebuild windows", ""];
  out.push(
    "An automatic rebuild whose delay has elapsed outside its image's window waits for the window, then dispatches; a promotion by hand dispatches at once. " +
      `Times are wall-clock times in the window's zone (the UTC offsets are built into the Stages through ${OFFSET_TABLE_LAST_DAY}).`,
    "",
  );
  out.push(
    ...table(
      ["Image", "Window", "Next opens", "Closes"],
      windows.map((w) => [w.image, w.window, w.openNow ? "open now" : (w.nextOpen ?? "not within 15 days"), w.closes ?? "–"]),
    ),
    "",
  );
  return out;
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

function whatChanges(ch: ResourceChange): string {
  if (ch.op === "add") return "new";
  if (ch.op === "remove") return "deleted";
  const fields = summarizeFields(ch.fields ?? []);
  if (ch.op !== "replace") return fields;
  const why = ch.replaces ? `**replaced** (was ${ch.replaces.label})` : `**replaced**: ${(ch.replaceReasons ?? []).join("; ")}`;
  return fields ? `${why}; ${fields}` : why;
}

function summarizeFields(fields: readonly FieldChange[]): string {
  const parts = fields.slice(0, 3).map((f) => {
    const p = `\`${f.path.replace(/^inputs\./, "")}\``;
    if (f.patch) return `${p}: +${f.patch.added} −${f.patch.removed} lines`;
    if (f.before === undefined) return `${p}: ${/\]$/.test(f.path) ? "added" : "set to"} ${value(f.after)}`;
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

/** A value in full, as one line of a diff block. */
function fullValue(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
}

/** One resource's changed fields in full, folded in a <details>. */
function detailsBlock(ch: ResourceChange, maxLines: number): string[] {
  const lines: string[] = [];
  for (const f of ch.fields ?? []) {
    const where = f.path.replace(/^inputs\./, "");
    const mark = f.replaces ? "  (forces replacement)" : "";
    if (f.patch) {
      lines.push(`@@ ${where} (+${f.patch.added} −${f.patch.removed})${mark}`, ...f.patch.text.split("\n"));
      continue;
    }
    lines.push(`  ${where}${mark}`);
    if (f.before !== undefined) lines.push(`- ${fullValue(f.before)}`);
    if (f.after !== undefined) lines.push(`+ ${fullValue(f.after)}`);
  }
  const body = lines.slice(0, maxLines);
  if (lines.length > maxLines) body.push(`… ${lines.length - maxLines} more lines (see --format json)`);
  const what = ch.op === "replace" ? "replaced" : "changed";
  const n = (ch.fields ?? []).length;
  // Four backticks: a value may itself contain a Markdown fence.
  return [`<details><summary>${escapeHtml(ch.label)}: ${what}, ${n} field${n === 1 ? "" : "s"}</summary>`, "", "````diff", ...body, "````", "", "</details>", ""];
}

function symbol(op: ResourceChange["op"]): string {
  return op === "add" ? "+" : op === "change" ? "~" : op === "replace" ? "±" : "-";
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

/**
 * A Markdown table with padded columns, so it also lines up in a terminal. With `columns`
 * (a terminal's width), the widest column is cut with "…" until the table fits.
 */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, columns?: number): string[] {
  let cells = [header, ...rows].map((r) => r.map((c) => c.replace(/\|/g, "\\|").replace(/\n/g, " ")));
  let widths = header.map((_, i) => Math.max(3, ...cells.map((r) => width(r[i] ?? ""))));
  if (columns !== undefined) {
    // "| " + cells joined by " | " + " |": 3 characters per column plus 1.
    const total = () => widths.reduce((n, w) => n + w + 3, 1);
    while (total() > columns) {
      const widest = widths.indexOf(Math.max(...widths));
      const target = widths[widest] - (total() - columns);
      const limit = Math.max(8, target);
      if (limit >= widths[widest]) break;
      cells = cells.map((r) => r.map((c, i) => (i === widest && width(c) > limit ? `${[...c].slice(0, limit - 1).join("")}…` : c)));
      widths = header.map((_, i) => Math.max(3, ...cells.map((r) => width(r[i] ?? ""))));
    }
  }
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
