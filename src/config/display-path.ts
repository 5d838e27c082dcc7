import * as path from "node:path";

/** A file as a message shows it: relative to cwd when inside it, else as given. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}
