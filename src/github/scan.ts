/**
 * The security scan of the generated build workflow: the image is built once, for every
 * platform, into an OCI layout on the runner; each platform of exactly that layout is scanned
 * with Trivy (the first by trivy-action, the others with the Trivy it installed); only when
 * the gate passes on all of them is the same layout pushed (skopeo, every platform,
 * digests preserved). So what is pushed is byte for byte what was scanned, and a multi-platform
 * image needs no `--load` into the classic docker store (which cannot hold one).
 *
 * Upstream behaviour relied on:
 *  - Trivy scans an OCI layout directory given as `--input` (aquasecurity/trivy v0.70.0
 *    pkg/fanal/image/archive.go `newImage` → oci.go `tryOCI`, which takes the first manifest
 *    of the layout's index): the layout scanned holds the one platform copied out of the build.
 *  - trivy-action v0.36.0 action.yaml: `input`, `format`, `output`, `ignore-unfixed`,
 *    `scanners`, `exit-code`; its setup-trivy step puts `trivy` on PATH ($GITHUB_PATH), which
 *    the SARIF step's `trivy convert` uses (pkg/commands/app.go "convert [flags] RESULT_JSON").
 *  - Trivy's --ignore-unfixed keeps only findings with status "fixed" (pkg/flag/vulnerability_flags.go).
 *  - codeql-action upload-sarif v4.36.2 needs `security-events: write`; a repository without
 *    code scanning rejects the upload, which `continue-on-error` keeps from failing the build.
 */
import type { ImageSpec } from "../config/schema";
import { ACTIONS } from "./actions";
import type { Step } from "./workflow-schema";

/** The scanner's own config and ignore file, outside the checkout (empty: images.yaml decides). */
export const TRIVY_CONFIG = "trivy-config.yaml";
export const TRIVY_IGNORE = "trivyignore";

/** Where the build writes its OCI layout, and the scanned platform's copy of it. */
export const LAYOUT_DIR = "image";
export const SCAN_LAYOUT_DIR = "scan";

/**
 * The platform trivy-action scans (and whose findings go to code scanning): linux/amd64 when
 * the image has it (the runner's own), else the first listed. The others are scanned after it.
 */
export function scannedPlatform(image: ImageSpec): string {
  return image.platforms.includes("linux/amd64") ? "linux/amd64" : image.platforms[0];
}

/** The scan columns of an image's row of the IMAGES table. */
export function scanRow(image: ImageSpec): Record<string, unknown> {
  if (image.scan === false) return { scan: false };
  return {
    scan: true,
    scan_fail_on: image.scan.failOn.join(","),
    scan_ignore_unfixed: image.scan.ignoreUnfixed,
    scan_platform: scannedPlatform(image),
    // Only multi-platform images carry it (an absent key is null, falsy, in the step's `if`).
    ...(image.platforms.length > 1 ? { scan_other_platforms: image.platforms.filter((p) => p !== scannedPlatform(image)).join(",") } : {}),
  };
}

function script(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * Bash lines that copy one platform (`os/arch[/variant]`, a quoted shell word) out of the
 * built layout into `dest`, digests unchanged.
 */
function copyPlatform(platform: string, dest: string): string[] {
  return [
    `IFS=/ read -r os arch variant <<<${platform}`,
    'platform=(--override-os "$os" --override-arch "$arch")',
    'if [ -n "${variant:-}" ]; then platform+=(--override-variant "$variant"); fi',
    `rm -rf ${dest}`,
    "# --insecure-policy: a local layout this job just built has no signatures to check.",
    `skopeo --insecure-policy "\${platform[@]}" copy --preserve-digests "oci:$RUNNER_TEMP/${LAYOUT_DIR}" ${dest.replace(/^"/, '"oci:')}`,
  ];
}

/** Copies the scanned platform out of the built layout, digests unchanged. */
const EXTRACT = script(
  "set -euo pipefail",
  ...copyPlatform('"$PLATFORM"', '"$RUNNER_TEMP/' + SCAN_LAYOUT_DIR + '"'),
  "# Trivy reads trivy.yaml and .trivyignore from the working directory (the checkout) unless told",
  "# otherwise: the gate is images.yaml's, so the scan gets an empty config and an empty ignore file.",
  'printf \'{}\\n\' > "$RUNNER_TEMP/' + TRIVY_CONFIG + '"',
  ': > "$RUNNER_TEMP/' + TRIVY_IGNORE + '"',
);

/**
 * Every other platform of the layout, scanned with the Trivy the scan step installed (on PATH),
 * its database (the same cache directory, not updated again) and the same empty config and
 * ignore file; one report each beside the first (`trivy-<n>.json`), which the gate reads too.
 */
const SCAN_OTHERS = script(
  "set -euo pipefail",
  'IFS=, read -ra platforms <<<"$PLATFORMS"',
  "unfixed=()",
  'if [ "$IGNORE_UNFIXED" = true ]; then unfixed=(--ignore-unfixed); fi',
  "n=0",
  'for p in "${platforms[@]}"; do',
  "  n=$((n + 1))",
  ...copyPlatform('"$p"', '"$RUNNER_TEMP/' + SCAN_LAYOUT_DIR + '-$n"').map((line) => `  ${line}`),
  '  trivy image --config "$RUNNER_TEMP/' + TRIVY_CONFIG + '" --ignorefile "$RUNNER_TEMP/' + TRIVY_IGNORE + '" --skip-db-update --scanners vuln \\',
  '    --format json --quiet "${unfixed[@]}" --output "$RUNNER_TEMP/trivy-$n.json" --input "$RUNNER_TEMP/' + SCAN_LAYOUT_DIR + '-$n"',
  "done",
);

/**
 * The gate: writes the findings to the job summary and fails on any at a failOn severity.
 * Trivy's JSON (pkg/types/report.go): Results[].Vulnerabilities[] with VulnerabilityID,
 * PkgName, InstalledVersion, FixedVersion, Severity. Values from the vulnerability database
 * are cut to characters that cannot format the summary.
 */
const GATE = script(
  "set -euo pipefail",
  "# The first platform's report and the other platforms' beside it; a finding in several counts once.",
  "shopt -s nullglob",
  'reports=("$REPORT" "${REPORT%.json}"-*.json)',
  "findings=\"$(jq -sc '[.[] | .Results[]? | .Vulnerabilities[]? | {id: .VulnerabilityID, pkg: .PkgName,",
  "  installed: (.InstalledVersion // \"\"), fixed: (.FixedVersion // \"\"), severity: (.Severity // \"UNKNOWN\")}",
  "  | map_values(gsub(\"[^A-Za-z0-9._:+~/, -]\"; \"\"))] | unique_by([.id, .pkg, .installed])",
  "  | sort_by(.severity as $s | [([\"CRITICAL\",\"HIGH\",\"MEDIUM\",\"LOW\",\"UNKNOWN\"] | index($s)), .id, .pkg])' \"${reports[@]}\")\"",
  "failing=\"$(jq -c --arg failOn \"$FAIL_ON\" '($failOn | split(\",\") | map(select(length > 0))) as $f | map(select(.severity | IN($f[])))' <<<\"$findings\")\"",
  "total=\"$(jq length <<<\"$findings\")\"",
  "failed=\"$(jq length <<<\"$failing\")\"",
  "{",
  '  echo "### Security scan: $IMAGE (${PLATFORMS//,/, })"',
  '  echo ""',
  "  echo \"$(jq -r 'group_by(.severity) | map(\"\\(.[0].severity): \\(length)\") | join(\", \") | if . == \"\" then \"no findings\" else . end' <<<\"$findings\")\"",
  '  if [ "$IGNORE_UNFIXED" = true ]; then echo "(findings without a fixed version are left out)"; fi',
  '  echo ""',
  '  if [ "$failed" -gt 0 ]; then',
  '    echo "**$failed finding(s) at ${FAIL_ON//,/, }: the image is not pushed.**"',
  '  elif [ -n "$FAIL_ON" ]; then',
  '    echo "No finding at ${FAIL_ON//,/, }."',
  "  fi",
  '  if [ "$total" -gt 0 ]; then',
  '    echo ""',
  '    echo "| severity | vulnerability | package | installed | fixed in |"',
  '    echo "|---|---|---|---|---|"',
  "    jq -r '.[:100][] | \"| \\(.severity) | \\(.id) | \\(.pkg) | \\(.installed) | \\(.fixed) |\"' <<<\"$findings\"",
  '    if [ "$total" -gt 100 ]; then echo ""; echo "(the first 100 of $total)"; fi',
  "  fi",
  '} >> "$GITHUB_STEP_SUMMARY"',
  'if [ "$failed" -gt 0 ]; then',
  '  echo "::error::$failed finding(s) at ${FAIL_ON//,/, } in $IMAGE (${PLATFORMS//,/, }): not pushed"',
  "  exit 1",
  "fi",
);

const SARIF = script(
  "set -euo pipefail",
  'trivy convert --config "$RUNNER_TEMP/' + TRIVY_CONFIG + '" --format sarif --output "$RUNNER_TEMP/trivy.sarif" "$RUNNER_TEMP/trivy.json"',
);

/** Pushes the layout that was built (and scanned): every platform, digests preserved. */
export const PUSH = script(
  "set -euo pipefail",
  'auth=(--authfile "$HOME/.docker/config.json" --retry-times 3)',
  "# --insecure-policy: the source is the local layout this job built; there is nothing to verify.",
  'skopeo --insecure-policy copy "${auth[@]}" --all --preserve-digests --digestfile "$RUNNER_TEMP/digest" "oci:$RUNNER_TEMP/' + LAYOUT_DIR + '" "docker://$IMAGE:$VERSION"',
  'skopeo --insecure-policy copy "${auth[@]}" --all --preserve-digests "oci:$RUNNER_TEMP/' + LAYOUT_DIR + '" "docker://$IMAGE:latest"',
  'echo "digest=$(cat "$RUNNER_TEMP/digest")" >> "$GITHUB_OUTPUT"',
);

const scanned = "matrix.scan";
/** Real builds only: code scanning shows what was pushed (or refused), not canary dry runs. */
const realBuild = "steps.trigger.outputs.push == 'true'";

/** The steps between the build and the push: scan, summary and gate, SARIF to code scanning. */
export function scanSteps(): Step[] {
  return [
    {
      name: "Take the scanned platform from the build",
      if: `\${{ ${scanned} }}`,
      shell: "bash",
      env: { PLATFORM: "${{ matrix.scan_platform }}" },
      run: EXTRACT,
    },
    {
      name: "Scan for vulnerabilities",
      id: "scan",
      if: `\${{ ${scanned} }}`,
      uses: ACTIONS.trivy,
      with: {
        "scan-type": "image",
        input: `\${{ runner.temp }}/${SCAN_LAYOUT_DIR}`,
        scanners: "vuln",
        format: "json",
        output: "${{ runner.temp }}/trivy.json",
        "ignore-unfixed": "${{ matrix.scan_ignore_unfixed }}",
        // The gate below decides; this step only reports.
        "exit-code": "0",
        "hide-progress": true,
        // Not the repository's trivy.yaml or .trivyignore (trivy-action v0.36.0 entrypoint.sh
        // sets TRIVY_CONFIG and TRIVY_IGNOREFILE from these; trivy pkg/commands/app.go
        // `initConfig` otherwise reads ./trivy.yaml).
        "trivy-config": `\${{ runner.temp }}/${TRIVY_CONFIG}`,
        trivyignores: `\${{ runner.temp }}/${TRIVY_IGNORE}`,
        // No Actions cache: a cache entry any default-branch workflow can write would otherwise
        // supply the trivy binary (setup-trivy) and the vulnerability database.
        cache: "false",
      },
    },
    {
      name: "Scan the other platforms",
      if: `\${{ ${scanned} && matrix.scan_other_platforms }}`,
      shell: "bash",
      env: {
        PLATFORMS: "${{ matrix.scan_other_platforms }}",
        IGNORE_UNFIXED: "${{ matrix.scan_ignore_unfixed }}",
        // Where the scan step's trivy-action put the database (its input cache-dir's default).
        TRIVY_CACHE_DIR: "${{ github.workspace }}/.cache/trivy",
      },
      run: SCAN_OTHERS,
    },
    {
      name: "Check the findings",
      if: `\${{ ${scanned} }}`,
      shell: "bash",
      env: {
        REPORT: "${{ runner.temp }}/trivy.json",
        FAIL_ON: "${{ matrix.scan_fail_on }}",
        IGNORE_UNFIXED: "${{ matrix.scan_ignore_unfixed }}",
        IMAGE: "${{ matrix.ref }}",
        PLATFORMS: "${{ matrix.platforms }}",
      },
      run: GATE,
    },
    {
      name: "Convert the findings to SARIF",
      // Also when the gate failed: code scanning then shows what stopped the push.
      if: `\${{ !cancelled() && ${scanned} && ${realBuild} && steps.scan.outcome == 'success' }}`,
      shell: "bash",
      run: SARIF,
    },
    {
      name: "Upload the findings to code scanning",
      if: `\${{ !cancelled() && ${scanned} && ${realBuild} && steps.scan.outcome == 'success' }}`,
      uses: ACTIONS.uploadSarif,
      // A repository without code scanning (e.g. private without GitHub Advanced Security)
      // refuses the upload; that must not fail the build.
      "continue-on-error": true,
      with: { sarif_file: "${{ runner.temp }}/trivy.sarif", category: "image-factory-${{ matrix.name }}" },
    },
  ];
}
