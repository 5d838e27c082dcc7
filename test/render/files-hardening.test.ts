// Hostile file-system situations: render --out never deletes what it did not write, the lock is
// replaced atomically and never written through a link, and every failure is one line naming
// the path.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE_NAME, writeLock } from "../../src/analysis/lock";
import { isUserError } from "../../src/config/errors";
import { RENDER_INVENTORY, RENDER_MANIFEST, type RenderResult, writeRender } from "../../src/render/render";
import { runCli } from "../cli/helpers";
import { problemsOf } from "../helpers/problems";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "if-files-"));

/** A render result with the given files plus the inventory render adds (no program run needed). */
function fakeRender(files: Record<string, string>): RenderResult {
  const all = new Map(Object.entries(files));
  all.set(RENDER_INVENTORY, `# Written by image-factory render: the files of this folder. The folder is replaced as a whole by the next render.\n${[...all.keys(), RENDER_INVENTORY].sort().join("\n")}\n`);
  return { project: "p", stack: "dev", preview: true, resources: [], outputs: {}, files: all, logs: [], notes: [], config: {} };
}

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk("");
  return out.sort();
}

describe("render --out replaces only a folder it made itself and that holds nothing else", () => {
  const first = fakeRender({ [RENDER_MANIFEST]: "{}\n", "kubernetes/a.yaml": "a: 1\n" });
  const second = fakeRender({ [RENDER_MANIFEST]: "{}\n", "kubernetes/b.yaml": "b: 1\n" });

  it("writes into a new folder, then replaces that earlier render whole", () => {
    const out = path.join(tmp(), "out");
    writeRender(first, out);
    expect(tree(out)).toEqual([RENDER_INVENTORY, "kubernetes/a.yaml", RENDER_MANIFEST].sort());
    writeRender(second, out);
    expect(tree(out)).toEqual([RENDER_INVENTORY, "kubernetes/b.yaml", RENDER_MANIFEST].sort());
  });

  it("refuses a folder that merely contains render.json, keeping the user's files", () => {
    const out = tmp();
    fs.writeFileSync(path.join(out, RENDER_MANIFEST), "{}");
    fs.writeFileSync(path.join(out, "notes.md"), "mine");
    expect(problemsOf(() => writeRender(first, out, "out"))).toEqual(["out: is not empty and not a folder image-factory render wrote (it has no inventory); choose an empty or new folder"]);
    expect(fs.readFileSync(path.join(out, "notes.md"), "utf8")).toBe("mine");
  });

  it("refuses an earlier render that someone added a file to, naming it", () => {
    const out = path.join(tmp(), "out");
    writeRender(first, out);
    fs.mkdirSync(path.join(out, "docs"));
    fs.writeFileSync(path.join(out, "docs", "review.md"), "mine");
    expect(problemsOf(() => writeRender(second, out, "out"))).toEqual(['out: holds "docs/review.md", which render did not write; move it away or choose another folder']);
    expect(fs.readFileSync(path.join(out, "docs", "review.md"), "utf8")).toBe("mine");
    expect(fs.existsSync(path.join(out, "kubernetes", "a.yaml"))).toBe(true);
  });

  it("refuses a symbolic link inside the folder and a folder that is a link", () => {
    const out = path.join(tmp(), "out");
    writeRender(first, out);
    const elsewhere = tmp();
    fs.symlinkSync(elsewhere, path.join(out, "kubernetes", "link"));
    expect(problemsOf(() => writeRender(second, out, "out"))[0]).toBe('out: holds "kubernetes/link", which render did not write; refusing to replace it');
    const linked = path.join(tmp(), "linked");
    fs.symlinkSync(elsewhere, linked);
    expect(problemsOf(() => writeRender(second, linked, "linked"))).toEqual(["linked: is a symbolic link; render writes only to a real folder"]);
  });

  it("a file as --out, or a path under a file, is one line naming it; nothing is written", () => {
    const dir = tmp();
    const file = path.join(dir, "file");
    fs.writeFileSync(file, "x");
    expect(problemsOf(() => writeRender(first, file, "file"))).toEqual(["file: is a file, not a folder"]);
    expect(problemsOf(() => writeRender(first, path.join(file, "out"), "file/out"))).toEqual(["file/out: a part of the path is a file, not a folder"]);
    expect(fs.readdirSync(dir)).toEqual(["file"]);
  });
});

describe("the lock is written to a temporary file and renamed, never through a link", () => {
  it("replaces the lock whole and leaves no temporary file", () => {
    const dir = tmp();
    expect(writeLock(dir, "one\n", LOCK_FILE_NAME)).toBe(true);
    expect(writeLock(dir, "one\n", LOCK_FILE_NAME)).toBe(false);
    expect(writeLock(dir, "two\n", LOCK_FILE_NAME)).toBe(true);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), "utf8")).toBe("two\n");
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE_NAME]);
  });

  it("refuses a lock that is a symbolic link, and leaves the link's target alone", () => {
    const dir = tmp();
    const target = path.join(tmp(), "victim");
    fs.writeFileSync(target, "precious");
    fs.symlinkSync(target, path.join(dir, LOCK_FILE_NAME));
    expect(problemsOf(() => writeLock(dir, "lock\n", "state/images.lock.yaml"))).toEqual([
      "state/images.lock.yaml: is a symbolic link; refusing to write through it (replace it with the file itself)",
    ]);
    expect(fs.readFileSync(target, "utf8")).toBe("precious");
  });

  it("a --state that is a file is a one-line error from analyze, exit 1", async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "state"), "x");
    fs.writeFileSync(path.join(dir, "images.yaml"), "- name: app\n  repository: acme/app\n  source: {repo: acme/app}\n");
    fs.mkdirSync(path.join(dir, "src", "acme", "app"), { recursive: true });
    fs.writeFileSync(path.join(dir, "src", "acme", "app", "Dockerfile"), "FROM node:22\n");
    const r = await runCli(["analyze", "--images", "images.yaml", "--state", "state", "--source-root", "src"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^state\/images\.lock\.yaml: (a part of the path is a file, not a folder|already exists)\n1 problem found\.\n$/);
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("input size limits", () => {
  it("an oversized or non-regular images.yaml is refused with its name", async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "images.yaml"), Buffer.alloc(33 * 1024 * 1024, "#"));
    const r = await runCli(["validate", "--images", "images.yaml"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("images.yaml: is 34603008 bytes, more than the 33554432 allowed");
    fs.mkdirSync(path.join(dir, "folder.yaml"));
    const folder = await runCli(["validate", "--images", "folder.yaml"], dir);
    expect(folder.stderr).toContain("folder.yaml: is a folder, not a file");
  });

  it("never quotes a file's content in the error", () => {
    const e = (() => {
      try {
        return writeRender(fakeRender({}), "/proc/self/environ/x");
      } catch (err) {
        return err;
      }
    })();
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).not.toContain("PATH=");
  });
});
