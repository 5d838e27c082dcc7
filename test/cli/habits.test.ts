// Terminal habits: colour only on a terminal and never with NO_COLOR; a progress line on a
// terminal only, cleared afterwards; tables cut to the terminal's width; --help that loads
// none of the heavy modules (Pulumi's SDK, zod, yaml).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { colorEnabled, paint, withProgress } from "../../src/cli/command";
import { table } from "../../src/plan/format";
import { ROOT } from "../render/child";
import { runCli } from "./helpers";

describe("colour", () => {
  it("is on for a terminal only, and off whenever NO_COLOR is set (https://no-color.org) or TERM is dumb", () => {
    expect(colorEnabled({}, true, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: "1" }, true, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: "" }, true, true)).toBe(true);
    expect(colorEnabled({ TERM: "dumb" }, true, true)).toBe(false);
    expect(colorEnabled({}, false, true)).toBe(false);
    expect(paint({ color: true }, "red", "x")).toBe("\u001b[31mx\u001b[0m");
    expect(paint({ color: false }, "red", "x")).toBe("x");
  });

  it("colours a problem count on a terminal, and never in a pipe", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-colour-"));
    fs.writeFileSync(path.join(dir, "images.yaml"), "- name: A\n");
    let err = "";
    const { main } = await import("../../src/cli/main");
    await main(["validate", "--images", "images.yaml"], { stdout: () => undefined, stderr: (t) => void (err += t), cwd: dir, isTTY: true, env: {}, color: true });
    expect(err).toMatch(/\u001b\[31m\d+ problems found\.\u001b\[0m/);
    expect((await runCli(["validate", "--images", "images.yaml"], dir)).stderr).not.toContain("\u001b[");
  });
});

describe("progress", () => {
  it("shows the step and the seconds on a terminal and clears the line at the end", async () => {
    let err = "";
    const io = { isTTY: true, quiet: false, stderr: (t: string) => void (err += t) };
    const value = await withProgress(io, "rendering stack dev", () => new Promise((r) => setTimeout(() => r(42), 60)), 20);
    expect(value).toBe(42);
    expect(err).toMatch(/^\r\u001b\[2Krendering stack dev… 0s/);
    expect(err.split("rendering stack dev").length).toBeGreaterThan(2); // redrawn while it runs
    expect(err.endsWith("\r\u001b[2K")).toBe(true);
  });

  it("is silent when stderr is not a terminal, or with --quiet", async () => {
    for (const io of [{ isTTY: false, quiet: false }, { isTTY: true, quiet: true }]) {
      let err = "";
      await withProgress({ ...io, stderr: (t: string) => void (err += t) }, "x", async () => 1, 5);
      expect(err).toBe("");
    }
  });
});

describe("tables in a terminal", () => {
  it("cut the widest column with … so a row fits the terminal's width, and leave them whole otherwise", () => {
    const rows = [["+", "Stage image-factory/rebuild-a-very-long-image-name", "x".repeat(200)]];
    const fitted = table(["", "Resource", "What changes"], rows, 80);
    for (const line of fitted) expect([...line].length).toBeLessThanOrEqual(80);
    expect(fitted[2]).toContain("…");
    expect(table(["", "Resource", "What changes"], rows)[2]).toContain("x".repeat(200));
  });
});

describe("--help", () => {
  it("loads no heavy module (Pulumi's SDK, zod, yaml, diff): the command list, a command's help and --version are cheap", () => {
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "if-probe-")), "probe.js");
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n");
    // A command's own --help too: the help texts live apart from the commands (src/cli/help.ts).
    for (const args of [["--help"], ["--version"], ...["init", "validate", "analyze", "render", "plan"].map((c) => [c, "--help"])]) {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, ["-r", probe, path.join(ROOT, "bin", "image-factory.js"), ...args], { cwd: ROOT, encoding: "utf8" });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(r.status).toBe(0);
      const loaded = JSON.parse(/LOADED (.*)/.exec(r.stderr)![1]) as string[];
      const heavy = loaded.filter((f) => /node_modules[\\/](@pulumi|zod|yaml|diff)[\\/]/.test(f));
      expect(heavy, `${args.join(" ")} loaded heavy modules in ${ms} ms`).toEqual([]);
      expect(loaded.some((f) => f.includes(`${path.sep}commands${path.sep}`))).toBe(false);
    }
  });
});
