/**
 * Errors a user can fix by editing a file. They carry every problem found, so the
 * user sees all of them at once, each naming the file, the image, the field and the line.
 */
import * as fs from "node:fs";

export interface Problem {
  /** The file the problem is in, as the user named it. */
  file: string;
  /** 1-based line, when the problem can be pinned to one. */
  line?: number;
  /** The image (or base) the problem belongs to: its name, or `#<index>` when it has none. */
  subject?: string;
  /** Dotted field path inside the subject, e.g. `source.branch`. */
  field?: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  const parts = [where];
  if (p.subject) parts.push(p.subject);
  if (p.field) parts.push(p.field);
  return `${parts.join(": ")}: ${p.message}`;
}

/** Thrown for bad input. The CLI prints `problems` without a stack trace. */
export class UserError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[], summary?: string) {
    const sorted = sortProblems(problems);
    super(summary ?? sorted.map(formatProblem).join("\n"));
    this.name = "UserError";
    this.problems = sorted;
  }

  /** A single problem that is not about a particular file (e.g. a missing config key). */
  static of(message: string, file = "image-factory"): UserError {
    return new UserError([{ file, message }]);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (e instanceof Error && e.name === "UserError" && Array.isArray((e as UserError).problems));
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
      (a.field ?? "").localeCompare(b.field ?? "") ||
      a.message.localeCompare(b.message),
  );
}

/** Reads a file the user named; a missing or unreadable file is a UserError naming it as `shownAs`. */
export function readUserFile(filePath: string, shownAs: string = filePath): string {
  try {
    return fs.readFileSync(filePath, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError([{ file: shownAs, message: code === "ENOENT" ? "file not found" : `cannot read: ${(e as Error).message}` }]);
  }
}
