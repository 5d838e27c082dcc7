import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Lock } from "../../src/analysis/lock";
import { parseImagesText } from "../../src/config/images";
import { estateRevision, programFingerprint, shortRevision } from "../../src/promotion";

const IMAGES = `- name: app
  repository: acme/app
  source: {repo: acme/app}
  rebuildDelay: 3d
`;
const lock = (ref: string): Lock => ({
  images: { app: { inputs: { repo: "acme/app", branch: "main", dockerfile: "Dockerfile", buildArgs: {}, platforms: ["linux/amd64"] }, bases: [{ reference: ref, runtime: true, line: 1 }], unresolved: [] } },
  bases: { [ref]: ["app"] },
});
const rev = (images: string, l: Lock, program = "p1") => estateRevision({ imagesFile: parseImagesText(images, "images.yaml"), lock: l, program });

describe("estateRevision", () => {
  const base = rev(IMAGES, lock("docker.io/library/node:22"));

  it("is a sha256 and the same for the same definition", () => {
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rev(IMAGES, lock("docker.io/library/node:22"))).toBe(base);
    expect(shortRevision(base)).toBe(base.slice(7, 19));
  });

  it("ignores comments, layout and spelled-out defaults in images.yaml", () => {
    const reformatted = `# the app\n- name: app\n  repository: acme/app\n  source:\n    repo: acme/app\n    branch: main\n  rebuildDelay: 3d   # three days\n`;
    expect(rev(reformatted, lock("docker.io/library/node:22"))).toBe(base);
  });

  it("changes with a field of images.yaml, the lock or the program", () => {
    expect(rev(IMAGES.replace("3d", "4d"), lock("docker.io/library/node:22"))).not.toBe(base);
    expect(rev(IMAGES, lock("docker.io/library/node:24"))).not.toBe(base);
    expect(rev(IMAGES, lock("docker.io/library/node:22"), "p2")).not.toBe(base);
  });
});

describe("programFingerprint", () => {
  function project(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-rev-"));
    fs.mkdirSync(path.join(dir, "src", "sub"), { recursive: true });
    fs.writeFileSync(path.join(dir, "index.ts"), "export const a = 1;\n");
    fs.writeFileSync(path.join(dir, "src", "sub", "x.ts"), "export const x = 1;\nexport const y = 2;\n");
    fs.writeFileSync(path.join(dir, "src", "sub", "x.test.ts"), "test\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", dependencies: { a: "1" }, devDependencies: { b: "1" } }));
    return dir;
  }

  it("follows the program's source and runtime dependencies only", () => {
    const dir = project();
    const first = programFingerprint(dir);
    expect(programFingerprint(dir)).toBe(first);

    // Line endings, tests and dev tooling are not the program.
    fs.writeFileSync(path.join(dir, "src", "sub", "x.ts"), "export const x = 1;\r\nexport const y = 2;\r\n");
    fs.writeFileSync(path.join(dir, "src", "sub", "x.test.ts"), "another test\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", dependencies: { a: "1" }, devDependencies: { b: "2" }, scripts: { t: "x" } }));
    expect(programFingerprint(dir)).toBe(first);

    fs.writeFileSync(path.join(dir, "src", "sub", "x.ts"), "export const x = 2;\n");
    const second = programFingerprint(dir);
    expect(second).not.toBe(first);
    fs.writeFileSync(path.join(dir, "src", "new.ts"), "export {};\n");
    expect(programFingerprint(dir)).not.toBe(second);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", dependencies: { a: "2" } }));
    expect(programFingerprint(dir)).not.toBe(second);
  });
});
