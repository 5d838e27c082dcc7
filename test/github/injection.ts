// An independent script-injection check for workflow text (it does not reuse the schema's
// rule, so a bug there cannot hide here): every `run:` is scanned for expressions that
// read attacker-controllable data.
import { parse } from "yaml";

/** Contexts whose values someone other than the repo's maintainers can choose. */
const UNTRUSTED: RegExp[] = [
  /\binputs\./,
  /\bgithub\.event\.inputs\b/,
  /\bgithub\.head_ref\b/,
  /\bgithub\.event\.(?:[\w-]+\.)*(?:title|body|message|name|email|label|ref|head_ref|default_branch|page_name)\b/,
  /\bgithub\.event\.(?:issue|comment|pull_request|review|review_comment|discussion|head_commit|commits|pages|workflow_run)\b/,
  /\bsteps\.[\w-]+\.outputs\b/, // may carry an input through
  /\bneeds\.[\w-]+\.outputs\b/,
  /\benv\./, // env values are set from inputs; in a script they must be read as $VAR
];

export interface Finding {
  job: string;
  step: string;
  expression: string;
}

function expressionsIn(script: string): string[] {
  return [...script.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1].trim());
}

/** Every untrusted expression inside a `run:` of the workflow text. */
export function untrustedExpressionsInRun(workflowText: string): Finding[] {
  const wf = parse(workflowText) as { jobs?: Record<string, { steps?: Array<{ name?: string; run?: unknown }> }> };
  const findings: Finding[] = [];
  for (const [job, def] of Object.entries(wf.jobs ?? {})) {
    for (const [i, step] of (def.steps ?? []).entries()) {
      if (typeof step.run !== "string") continue;
      for (const expression of expressionsIn(step.run)) {
        if (UNTRUSTED.some((re) => re.test(expression))) findings.push({ job, step: step.name ?? `#${i + 1}`, expression });
      }
    }
  }
  return findings;
}

/** Any `${{` at all inside a `run:` (the generated workflows allow none). */
export function anyExpressionInRun(workflowText: string): string[] {
  const wf = parse(workflowText) as { jobs?: Record<string, { steps?: Array<{ run?: unknown }> }> };
  return Object.values(wf.jobs ?? {}).flatMap((def) =>
    (def.steps ?? []).flatMap((s) => (typeof s.run === "string" && s.run.includes("${{") ? [s.run] : [])),
  );
}
