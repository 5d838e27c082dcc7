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

/** User files larger than this are refused unless the caller sets its own limit. */
export const DEFAULT_MAX_USER_FILE_BYTES = 16 * 1024 * 1024;

export interface ReadUserFileOptions {
  /** Refuse a file larger than this (default DEFAULT_MAX_USER_FILE_BYTES). */
  maxBytes?: number;
}

/**
 * Reads a file the user named; a missing, unreadable, oversized or non-regular file (a folder,
 * a FIFO, a device) is a UserError naming it as `shownAs`.
 */
export function readUserFile(filePath: string, shownAs: string = filePath, opts: ReadUserFileOptions = {}): string {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_USER_FILE_BYTES;
  let fd: number | undefined;
  try {
    fd = fs.openSync(filePath, "r");
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UserError([{ file: shownAs, message: stat.isDirectory() ? "is a folder, not a file" : "is not a regular file" }]);
    if (stat.size > maxBytes) throw new UserError([{ file: shownAs, message: `is ${stat.size} bytes, more than the ${maxBytes} allowed` }]);
    return fs.readFileSync(fd, "utf8");
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new UserError([{ file: shownAs, message: fileErrorMessage(e) }]);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A file-system error as one line for the user (the path is named by the caller). */
export function fileErrorMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "file not found";
    case "EISDIR":
      return "is a folder, not a file";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EEXIST":
      return "already exists";
    case "ENOTEMPTY":
      return "is a folder that is not empty";
    case "ENOSPC":
      return "no space left on the device";
    case "EROFS":
      return "is on a read-only file system";
    case "ELOOP":
      return "is a symbolic link loop (or a link where none is allowed)";
    case "ENAMETOOLONG":
      return "the path is too long";
    default:
      return `cannot be accessed (${code ?? "error"})`;
  }
}
