/**
 * The third-party actions the generated workflows use, pinned to a major version in one
 * place so an upgrade is one edit (and one commit per workflow on the next `pulumi up`).
 * These majors all run on Node 24; the Node 20 runtime leaves the runners in Sept 2026.
 */
export const ACTIONS = {
  checkout: "actions/checkout@v6",
  setupQemu: "docker/setup-qemu-action@v4",
  setupBuildx: "docker/setup-buildx-action@v4",
  login: "docker/login-action@v4",
  buildPush: "docker/build-push-action@v7",
  // The scanners are pinned by commit, not by a movable tag: they run with the job's
  // registry credentials and `security-events: write`. v0.36.0 is a signed tag on this
  // commit; it installs Trivy v0.70.0 through aquasecurity/setup-trivy (pinned inside it).
  trivy: "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25", // v0.36.0
  // v4.36.2; upload-sarif needs `security-events: write` (its action.yml, input token).
  uploadSarif: "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e", // v4.36.2
} as const;

/** `owner/repo[/path]@<major>` or `@<40-hex sha>`: a floating branch is never accepted. */
export const PINNED_ACTION = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._/-]+)?@(?:v[0-9]+|[0-9a-f]{40})$/;

/**
 * The runner image. Pinned rather than ubuntu-latest because the version step relies on
 * the preinstalled skopeo and jq (both listed for the ubuntu-24.04 image).
 */
export const RUNNER = "ubuntu-24.04";
