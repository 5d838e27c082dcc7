// Prints the plan (PLAN, a Markdown file) cut to fit a pull-request comment of LIMIT
// characters, naming what was cut and where the full plan is (FULL_PLAN, Markdown text).
// Used by .github/workflows/ci.yml.
import * as fs from "node:fs";
import { fitPlanComment } from "../src/plan/comment";

const plan = process.env.PLAN;
const limit = Number(process.env.LIMIT ?? "60000");
const fullPlan = process.env.FULL_PLAN ?? "in the plan artifact of this run";
if (!plan || !Number.isInteger(limit) || limit < 1000) {
  process.stderr.write("plan-comment: set PLAN to the plan's Markdown file and LIMIT to at least 1000 characters\n");
  process.exit(2);
}
const fitted = fitPlanComment(fs.readFileSync(plan, "utf8"), { limit, fullPlan });
process.stdout.write(fitted.text);
if (fitted.cut.length) process.stderr.write(`plan-comment: cut ${fitted.cut.length} parts to fit ${limit} characters\n`);
