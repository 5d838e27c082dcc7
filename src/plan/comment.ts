/**
 * The plan as a pull-request comment: GitHub refuses a comment over 65,536 characters, so
 * the plan's Markdown is kept in order, section by section (and folded diff by folded diff),
 * while it fits; what does not fit is named at the end, with where the full plan is.
 */

export interface CommentOptions {
  /** The most characters the plan may take in the comment. */
  limit: number;
  /** Where the full plan is, as Markdown (e.g. "the artifact `plan-dev` of [this run](URL)"). */
  fullPlan: string;
}

export interface FittedComment {
  text: string;
  /** What was left out, as named in the comment. */
  cut: string[];
}

interface Unit {
  text: string;
  /** How the unit is named when it is cut. */
  name: string;
  /** The heading and first paragraph of a section, the title and summary: never cut alone. */
  essential: boolean;
}

/** Splits the plan into its title/summary, each section's head and each folded block. */
function units(markdown: string): Unit[] {
  const out: Unit[] = [];
  const lines = markdown.replace(/\n+$/, "").split("\n");
  let section = "";
  let current: string[] = [];
  let currentName = "the summary";
  let essential = true;
  const flush = () => {
    if (current.length) out.push({ text: `${current.join("\n")}\n`, name: currentName, essential });
    current = [];
  };
  let inDetails = false;
  for (const line of lines) {
    if (!inDetails && line.startsWith("### ")) {
      flush();
      section = line.slice(4).trim();
      currentName = `the section "${section}"`;
      essential = false;
    } else if (!inDetails && line.startsWith("<details>")) {
      flush();
      inDetails = true;
      const summary = /<summary>(.*)<\/summary>/.exec(line)?.[1] ?? "a folded diff";
      currentName = `the full diff of ${summary.replace(/:.*$/, "")}`;
      essential = false;
    }
    current.push(line);
    if (inDetails && line.startsWith("</details>")) {
      inDetails = false;
      flush();
      currentName = `the rest of the section "${section}"`;
    }
  }
  flush();
  return out;
}

/** Keeps the plan's parts in order while they fit in `limit`; names the parts left out. */
export function fitPlanComment(markdown: string, opts: CommentOptions): FittedComment {
  if (markdown.length <= opts.limit) return { text: markdown, cut: [] };
  const parts = units(markdown);
  const note = (cut: string[]) =>
    `\n---\n**Cut to fit GitHub's comment limit:** ${cut.length} part${cut.length === 1 ? "" : "s"} of the plan: ${cut.slice(0, 12).join("; ")}${cut.length > 12 ? `; and ${cut.length - 12} more` : ""}. The full plan (Markdown and JSON) is ${opts.fullPlan}.\n`;
  // Room for the note: its longest likely form.
  const reserve = note(parts.map((p) => p.name)).length;
  const kept: string[] = [];
  const cut: string[] = [];
  let size = 0;
  for (const part of parts) {
    if (size + part.text.length + reserve <= opts.limit || (part.essential && kept.length === 0)) {
      kept.push(part.text);
      size += part.text.length;
    } else {
      cut.push(part.name);
    }
  }
  let text = `${kept.join("")}${note(cut)}`;
  // Even the first part alone was too long: cut it at a line.
  if (text.length > opts.limit) text = `${text.slice(0, opts.limit - reserve).replace(/\n[^\n]*$/, "\n")}${note(cut)}`;
  return { text, cut };
}
