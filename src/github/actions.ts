/**
 * The actions the generated workflows use, in one place so an upgrade is one edit (and one
 * commit per workflow on the next `pulumi up`). GitHub's own `actions/*` are pinned to a
 * major version; every other action runs beside the job's registry credentials, so it is
 * pinned to the commit of a released tag (a tag can be moved, as trivy-action's were in
 * March 2026), with the tag in a comment. These all run on Node 24; the Node 20 runtime left
 * the runners in September 2026.
 */
export const ACTIONS = {
  checkout: "actions/checkout@v6",
  setupQemu: "docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8", // v4.2.0
  setupBuildx: "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e", // v4.3.0
  // Receives the registry password.
  login: "docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121", // v4.1.0
  buildPush: "docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a", // v7.3.0
  // v0.36.0 is a signed tag on this commit, after the March 2026 tag rewrite; it installs
  // Trivy v0.70.0 through aquasecurity/setup-trivy (pinned inside it).
  trivy: "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25", // v0.36.0
  // upload-sarif needs `security-events: write` (its action.yml, input token).
  uploadSarif: "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e", // v4.36.2
} as const;

/**
 * `actions/<name>@<major>`, or any action at a 40-hex commit: a floating branch is never
 * accepted, and a third party's movable tag neither.
 */
export const PINNED_ACTION = /^(?:actions\/[A-Za-z0-9._-]+@v[0-9]+|[A-Za-z0-9-]+\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._/-]+)?@[0-9a-f]{40})$/;

/**
 * The runner image. Pinned rather than ubuntu-latest because the version step relies on
 * the preinstalled skopeo and jq (both listed for the ubuntu-24.04 image).
 */
export const RUNNER = "ubuntu-24.04";
