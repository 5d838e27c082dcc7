// The security scan in the generated build workflow: built once into an OCI layout, one
// platform of it scanned by Trivy, the gate, SARIF to code scanning, then that layout pushed.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/github/actions";
import { GENERATED_WORKFLOW_PATH } from "../../src/github/estate";
import { scannedPlatform } from "../../src/github/scan";
import { renderRepoWorkflow } from "../../src/github/workflow";
import { actionlint } from "../helpers/actionlint";
import { makeImage, parseWorkflowText, type ParsedStep } from "./fixtures";

type Step = ParsedStep & { if?: string; "continue-on-error"?: boolean };
const steps = (text: string, job = "build-ghcr-io") => parseWorkflowText(text).jobs[job].steps as Step[];
const table = (text: string) => JSON.parse((parseWorkflowText(text).jobs.select.steps as Step[]).find((s) => s.id === "select")!.env!.IMAGES) as Record<string, Record<string, unknown>>;
const names = (text: string) => steps(text).map((s) => s.name);

describe("the build scans what it pushes, before pushing", () => {
  const text = renderRepoWorkflow([makeImage({ platforms: ["linux/amd64", "linux/arm64"] })]);

  it("builds, takes the scanned platform, scans, checks, uploads SARIF, then pushes", () => {
    const order = ["Build", "Take the scanned platform from the build", "Scan for vulnerabilities", "Scan the other platforms", "Check the findings", "Convert the findings to SARIF", "Upload the findings to code scanning", "Push", "Summarize"];
    expect(names(text).filter((n) => order.includes(n))).toEqual(order);
    // The build itself pushes nothing: only the Push step does, from the scanned layout.
    const build = steps(text).find((s) => s.uses === ACTIONS.buildPush)!;
    expect(build.with).not.toHaveProperty("push");
    expect(build.with?.outputs).toBe("type=oci,dest=${{ runner.temp }}/image,tar=false");
    const extract = steps(text).find((s) => s.name === "Take the scanned platform from the build")!;
    expect(extract.run).toContain('copy --preserve-digests "oci:$RUNNER_TEMP/image" "oci:$RUNNER_TEMP/scan"');
    const scan = steps(text).find((s) => s.id === "scan")!;
    expect(scan.with).toMatchObject({ "scan-type": "image", input: "${{ runner.temp }}/scan", format: "json", scanners: "vuln" });
  });

  it("the source repository cannot change the gate: the scan reads an empty config and ignore file outside the checkout, and no Actions cache", () => {
    const extract = steps(text).find((s) => s.name === "Take the scanned platform from the build")!;
    expect(extract.run).toContain(`printf '{}\\n' > "$RUNNER_TEMP/trivy-config.yaml"`);
    expect(extract.run).toContain(': > "$RUNNER_TEMP/trivyignore"');
    expect(steps(text).find((s) => s.id === "scan")!.with).toMatchObject({
      "trivy-config": "${{ runner.temp }}/trivy-config.yaml",
      trivyignores: "${{ runner.temp }}/trivyignore",
      cache: "false",
    });
    expect(steps(text).find((s) => s.name === "Convert the findings to SARIF")!.run).toContain('trivy convert --config "$RUNNER_TEMP/trivy-config.yaml"');
  });

  it("a dry run scans too: only the SARIF upload and the push wait for a real build", () => {
    expect(steps(text).find((s) => s.name === "Scan the other platforms")!.if).toBe("${{ matrix.scan && matrix.scan_other_platforms }}");
    for (const name of ["Take the scanned platform from the build", "Scan for vulnerabilities", "Check the findings"]) {
      expect(steps(text).find((s) => s.name === name)!.if, name).toBe("${{ matrix.scan }}");
    }
    expect(steps(text).find((s) => s.id === "push")!.if).toBe("${{ steps.trigger.outputs.push == 'true' }}");
    expect(steps(text).find((s) => s.name === "Upload the findings to code scanning")!.if).toContain("steps.trigger.outputs.push == 'true'");
  });

  it("failOn, ignoreUnfixed and the scanned platform reach the steps from the image's row", () => {
    const t = renderRepoWorkflow([makeImage({ platforms: ["linux/arm64", "linux/arm/v7"], scan: { failOn: ["HIGH", "CRITICAL"], ignoreUnfixed: false } })]);
    expect(table(t).app).toMatchObject({ scan: true, scan_fail_on: "HIGH,CRITICAL", scan_ignore_unfixed: false, scan_platform: "linux/arm64" });
    expect(steps(t).find((s) => s.id === "scan")!.with!["ignore-unfixed"]).toBe("${{ matrix.scan_ignore_unfixed }}");
    expect(steps(t).find((s) => s.name === "Check the findings")!.env).toMatchObject({ FAIL_ON: "${{ matrix.scan_fail_on }}", REPORT: "${{ runner.temp }}/trivy.json", PLATFORMS: "${{ matrix.platforms }}" });
    expect(table(t).app).toMatchObject({ scan_other_platforms: "linux/arm/v7" });
    expect(scannedPlatform(makeImage({ platforms: ["linux/arm64", "linux/amd64"] }))).toBe("linux/amd64");
  });

  it("scan: false leaves the image's row without a scan, so its scan steps are skipped", () => {
    const t = renderRepoWorkflow([makeImage({ name: "a", source: { dockerfile: "a/Dockerfile" }, scan: false }), makeImage({ name: "b", source: { dockerfile: "b/Dockerfile" } })]);
    expect(table(t).a).toMatchObject({ scan: false });
    expect(table(t).a).not.toHaveProperty("scan_fail_on");
    expect(table(t).b).toMatchObject({ scan: true });
  });

  it("uploads SARIF with upload-sarif pinned by commit, never failing the build where code scanning is off", () => {
    const upload = steps(text).find((s) => s.uses === ACTIONS.uploadSarif)!;
    expect(ACTIONS.uploadSarif).toMatch(/^github\/codeql-action\/upload-sarif@[0-9a-f]{40}$/);
    expect(ACTIONS.trivy).toMatch(/^aquasecurity\/trivy-action@[0-9a-f]{40}$/);
    expect(upload["continue-on-error"]).toBe(true);
    expect(upload.with).toEqual({ sarif_file: "${{ runner.temp }}/trivy.sarif", category: "image-factory-${{ matrix.name }}" });
    // Also after a failed gate (!cancelled()): code scanning shows what stopped the push.
    expect(upload.if).toMatch(/^\$\{\{ !cancelled\(\) && matrix\.scan/);
    expect(parseWorkflowText(text).jobs["build-ghcr-io"].permissions).toMatchObject({ "security-events": "write" });
  });

  it("is actionlint-clean with scans on, off and with another threshold", async () => {
    const variants = [
      [makeImage({ scan: false })],
      [makeImage({ platforms: ["linux/arm/v7"], scan: { failOn: [], ignoreUnfixed: false } })],
      [makeImage({ name: "a", registry: "docker.io", repository: "acme/a", scan: { failOn: ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] } }), makeImage({ name: "b", source: { dockerfile: "b/Dockerfile" }, scan: false })],
    ];
    for (const images of variants) expect(await actionlint(renderRepoWorkflow(images), GENERATED_WORKFLOW_PATH)).toEqual([]);
  });
});

describe("the other platforms, scanned in bash with stand-ins for skopeo and trivy", () => {
  it("copies each other platform out of the layout and scans it with the same config, ignore file and database, one report each", () => {
    const run = steps(renderRepoWorkflow([makeImage({ platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"] })])).find((s) => s.name === "Scan the other platforms")!.run!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "others-"));
    try {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      for (const tool of ["skopeo", "trivy"]) {
        fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${path.join(dir, "calls")}"\n`, { mode: 0o755 });
      }
      const env = { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: "/rt", PLATFORMS: "linux/arm64,linux/arm/v7", IGNORE_UNFIXED: "true" };
      execFileSync("bash", ["-c", run], { env, stdio: "ignore" });
      expect(fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n")).toEqual([
        'skopeo --insecure-policy --override-os linux --override-arch arm64 copy --preserve-digests oci:/rt/image oci:/rt/scan-1',
        "trivy image --config /rt/trivy-config.yaml --ignorefile /rt/trivyignore --skip-db-update --scanners vuln --format json --quiet --ignore-unfixed --output /rt/trivy-1.json --input /rt/scan-1",
        'skopeo --insecure-policy --override-os linux --override-arch arm --override-variant v7 copy --preserve-digests oci:/rt/image oci:/rt/scan-2',
        "trivy image --config /rt/trivy-config.yaml --ignorefile /rt/trivyignore --skip-db-update --scanners vuln --format json --quiet --ignore-unfixed --output /rt/trivy-2.json --input /rt/scan-2",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the gate, run in bash with jq on a Trivy JSON report", () => {
  const gate = steps(renderRepoWorkflow([makeImage()])).find((s) => s.name === "Check the findings")!.run!;
  const report = fs.readFileSync(path.join(__dirname, "..", "analysis", "fixtures", "trivy-published.json"), "utf8");

  function runGate(failOn: string, others: string[] = []): { status: number; summary: string; stdout: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
    try {
      fs.writeFileSync(path.join(dir, "trivy.json"), report);
      others.forEach((other, i) => fs.writeFileSync(path.join(dir, `trivy-${i + 1}.json`), other));
      fs.writeFileSync(path.join(dir, "summary"), "");
      const env = { PATH: process.env.PATH!, REPORT: path.join(dir, "trivy.json"), FAIL_ON: failOn, IGNORE_UNFIXED: "true", IMAGE: "ghcr.io/acme/app", PLATFORMS: others.length ? "linux/amd64,linux/arm64" : "linux/amd64", GITHUB_STEP_SUMMARY: path.join(dir, "summary") };
      let status = 0;
      let stdout = "";
      try {
        stdout = execFileSync("bash", ["-c", gate], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        status = (e as { status: number }).status;
        stdout = (e as { stdout: string }).stdout;
      }
      return { status, summary: fs.readFileSync(path.join(dir, "summary"), "utf8"), stdout };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("fails on a finding at a failOn severity and says so in the summary", () => {
    const r = runGate("CRITICAL");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::2 finding(s) at CRITICAL in ghcr.io/acme/app (linux/amd64): not pushed");
    expect(r.summary).toContain("### Security scan: ghcr.io/acme/app (linux/amd64)");
    expect(r.summary).toContain("| CRITICAL | CVE-2024-0727 | libssl3 | 3.0.11-1~deb12u2 | 3.0.13-1~deb12u1 |");
  });

  it("reads every platform's report: a finding of another platform counts, one found in both counts once", () => {
    const arm = JSON.stringify({
      SchemaVersion: 2,
      Results: [
        {
          Target: "arm64",
          Vulnerabilities: [
            { VulnerabilityID: "CVE-2024-0727", PkgName: "libssl3", InstalledVersion: "3.0.11-1~deb12u2", FixedVersion: "3.0.13-1~deb12u1", Severity: "CRITICAL" },
            { VulnerabilityID: "CVE-2099-0001", PkgName: "libarm", InstalledVersion: "1.0", FixedVersion: "1.1", Severity: "CRITICAL" },
          ],
        },
      ],
    });
    const r = runGate("CRITICAL", [arm]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::3 finding(s) at CRITICAL in ghcr.io/acme/app (linux/amd64, linux/arm64): not pushed");
    expect(r.summary).toContain("### Security scan: ghcr.io/acme/app (linux/amd64, linux/arm64)");
    expect(r.summary).toContain("| CRITICAL | CVE-2099-0001 | libarm | 1.0 | 1.1 |");
    expect(r.summary.match(/CVE-2024-0727/g)).toHaveLength(1);
  });

  it("passes when nothing is at the listed severities, and with an empty failOn only reports", () => {
    const r = runGate("");
    expect(r.status).toBe(0);
    expect(r.summary).toContain("CRITICAL: 2, HIGH: 1, MEDIUM: 2");
    expect(r.summary).toContain("| MEDIUM | CVE-2024-29041 | express | 4.18.2 | 4.19.2, 5.0.0-beta.3 |");
  });
});
