// The README's CLI reference matches --help: every command's usage lines appear verbatim in
// its "The CLI" section, and every option a command takes is in those usage lines.
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main";
import { ROOT } from "../render/child";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## The CLI\n"), readme.indexOf("\n## ", readme.indexOf("## The CLI\n") + 5));

it("README's CLI reference has every command's usage as --help prints it, and every option", async () => {
  expect(section.length).toBeGreaterThan(100);
  for (const entry of COMMANDS) {
    const command = await entry.load();
    const usage = command.help.slice(0, command.help.indexOf("\n\n"));
    expect(section, `README usage of ${command.name}`).toContain(usage);
    for (const option of Object.keys(command.options)) expect(usage, `${command.name} --${option} in its usage`).toContain(`--${option}`);
    expect(section).toContain(`| \`${command.name}\` |`);
  }
});
