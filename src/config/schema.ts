/**
 * The images.yaml contract. images.yaml is a YAML list; each entry is either
 *  - an image the factory rebuilds (it has a `source`), or
 *  - an explicit base-image declaration (it has a `base`), for bases that must be
 *    watched differently from the default (another tag policy, platform or interval).
 * Every object is strict: an unknown key is an error, with a suggestion.
 */
import * as path from "node:path";
import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "./duration";
import { ENVIRONMENT_NAME, environmentIssues, MAX_ENVIRONMENT_NAME } from "./environments";
import { goRegexpError } from "./go-regexp";
import { semverConstraintError } from "./semver-constraint";
import { rebuildWindowSchema } from "./window";

// ---------------------------------------------------------------------------------------------
// Primitives

/** RFC 1123 label, as Kubernetes requires for names (and as Kargo objects get derived from it). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dns1123Label = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(DNS1123_LABEL, "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit");

/** A registry host, optionally with a port: `ghcr.io`, `localhost:5000`, `registry.example.com`. */
export const REGISTRY_HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$/;

export const registryHost = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(REGISTRY_HOST, "must be a lowercase registry host, optionally with a port (e.g. ghcr.io, localhost:5000)");

/** An OCI repository path (distribution/reference path grammar, lowercase only). */
export const OCI_REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export const ociRepository = z
  .string()
  .max(255, "must be at most 255 characters")
  .regex(OCI_REPOSITORY, "must be a lowercase OCI repository path such as owner/image (letters, digits, '.', '_', '-', separated by '/')");

/** A GitHub `owner/name`. */
export const OWNER_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

export const ownerRepo = z
  .string()
  .regex(OWNER_REPO, "must be a GitHub repository as owner/name")
  .refine((v) => !v.endsWith(".git") && v.split("/")[1] !== "." && v.split("/")[1] !== "..", "must be owner/name without .git");

/** Whether `name` is a valid git branch name by git-check-ref-format's rules. */
export function isValidGitRefName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (name === "@" || name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return false;
  if (name.startsWith("-")) return false;
  if (name.includes("..") || name.includes("//") || name.includes("@{")) return false;
  // Control characters, space and ~ ^ : ? * [ \ are never allowed.
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  return name.split("/").every((part) => part.length > 0 && !part.startsWith(".") && !part.endsWith(".lock"));
}

/**
 * Why Kargo's yaml-update step would not take `key`, or undefined. Mirrors Kargo v1.11.2's
 * sjson.SplitKey (pkg/sjson/split_key.go): parts separated by `.`, `\.` and `\:` the only
 * escapes, a `:` only at the start of a part, no empty part. Stricter: no surrounding blanks
 * (SplitKey trims them) and no dangling `\` (SplitKey drops it).
 */
export function yamlUpdateKeyProblem(key: string): string | undefined {
  if (key.trim() !== key) return "must not start or end with a blank";
  let part = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === "\\") {
      const next = key[i + 1];
      if (next !== "." && next !== ":") return "has an invalid escape: only \\. and \\: are escapes in a yaml-update key";
      i++;
      part++;
    } else if (c === ".") {
      if (part === 0) return "has an empty part (two dots in a row, or a dot at an end)";
      part = 0;
    } else if (c === ":") {
      if (part > 0) return "has a ':' inside a part (escape it as \\:)";
    } else {
      part++;
    }
  }
  return part === 0 ? "has an empty part (two dots in a row, or a dot at an end)" : undefined;
}

export const gitRefName = z.string().refine(isValidGitRefName, "must be a valid git branch name (see git check-ref-format)");

/** A relative path inside a repository: no `..` segment, not absolute, forward slashes. */
export function relativePathProblem(p: string): string | undefined {
  if (p.length === 0) return "must not be empty";
  if (p.includes("\\")) return "must use '/' as the separator";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "must be relative to the repository root, not absolute";
  if (p.split("/").some((seg) => seg === "..")) return "must not contain '..'";
  if (/[\u0000-\u001f]/.test(p)) return "must not contain control characters";
  return undefined;
}

export const repoPath = z.string().superRefine((p, ctx) => {
  const problem = relativePathProblem(p);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const duration = z.string().superRefine((v, ctx) => {
  if (!DURATION_PATTERN.test(v)) ctx.addIssue({ code: "custom", message: "must be a duration such as 30m, 12h, 7d or 2w (units s, m, h, d, w)" });
  else if (parseDuration(v) === undefined) ctx.addIssue({ code: "custom", message: "is too large" });
});

/** `os/arch[/variant]`, as docker buildx takes it. */
export const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
export const platform = z.string().regex(PLATFORM, "must be a platform such as linux/amd64 or linux/arm64");

export const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---------------------------------------------------------------------------------------------
// Security scans

/**
 * The severities Trivy assigns, lowest first: trivy-db pkg/types/types.go `SeverityNames`
 * (UNKNOWN is a finding no source has rated yet). Trivy's JSON report carries them as these
 * upper-case strings in each vulnerability's `Severity`.
 */
export const SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Why a failOn list would surprise its reader, or undefined. */
export function failOnProblem(failOn: readonly Severity[]): string | undefined {
  const seen = new Set<Severity>();
  for (const s of failOn) {
    if (seen.has(s)) return `lists ${s} twice`;
    seen.add(s);
  }
  // A build that stops on HIGH findings and lets CRITICAL ones through is never what is meant:
  // the rated severities listed must run from the lowest one listed up to CRITICAL.
  const rated = SEVERITIES.slice(1);
  const lowest = rated.findIndex((s) => seen.has(s));
  if (lowest >= 0) {
    const missing = rated.slice(lowest).filter((s) => !seen.has(s));
    if (missing.length > 0) return `lists ${rated[lowest]} but not ${missing.join(", ")}: a finding more severe than one that fails the build must fail it too`;
  }
  return undefined;
}

export const DEFAULT_SCAN = { failOn: ["CRITICAL"] as Severity[], ignoreUnfixed: true };

export const scanSettingsSchema = z
  .strictObject({
    /** The severities that fail the build; [] reports findings without failing. */
    failOn: z
      .array(z.enum(SEVERITIES, `must be one of ${SEVERITIES.join(", ")} (upper case, as Trivy writes them)`), "must be a list of severities, e.g. [HIGH, CRITICAL]")
      .default(["CRITICAL"]),
    /** Leave out findings no fixed package exists for yet (Trivy's --ignore-unfixed). */
    ignoreUnfixed: z.boolean("must be true or false").default(true),
  })
  .superRefine((scan, ctx) => {
    const problem = failOnProblem(scan.failOn);
    if (problem) ctx.addIssue({ code: "custom", path: ["failOn"], message: problem });
  });

export type ScanSettings = z.output<typeof scanSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Image entries

/**
 * The dispatch inputs the factory knows how to send. `dry_run` (boolean) asks for a build
 * that pushes and tags nothing: a canary stack's dispatch.
 */
export const DISPATCH_INPUTS = ["version_bump", "triggered_by", "base_image", "base_digest", "dry_run"] as const;
export type DispatchInput = (typeof DISPATCH_INPUTS)[number];

/** What a workflow the factory does not generate is assumed to declare (the original's contract). */
export const DEFAULT_EXTERNAL_WORKFLOW_INPUTS: DispatchInput[] = ["version_bump", "triggered_by", "base_image"];

const workflowFileName = z
  .string()
  .regex(/^[A-Za-z0-9._-]+\.ya?ml$/, "must be a workflow file name under .github/workflows, such as build.yml (no folders)");

/**
 * A GitLab project's full path: groups and subgroups, then the project. GitLab's rules
 * (gitlab-org/gitlab lib/gitlab/path_regex.rb): a group segment is `PATH_REGEX_STR` ending in a
 * letter, digit, `_` or `-` (NAMESPACE_FORMAT_REGEX), a project segment is `PATH_REGEX_STR`
 * (`[a-zA-Z0-9_.][a-zA-Z0-9_.-]*`, at most 255 characters); neither ends in `.git` or `.atom`
 * (NO_SUFFIX_REGEX). Groups nest at most 20 deep.
 */
export function gitlabProjectPathProblem(path: string): string | undefined {
  const segments = path.split("/");
  if (segments.length < 2) return "must be a GitLab project's full path, group/project (with any subgroups between)";
  if (segments.length > 21) return "must have at most 20 groups and subgroups before the project";
  const project = segments[segments.length - 1];
  for (const [i, seg] of segments.entries()) {
    const isProject = i === segments.length - 1;
    const what = isProject ? `the project "${seg}"` : `the group "${seg}"`;
    if (seg.length === 0) return "must not have an empty segment (a leading, trailing or doubled '/')";
    if (seg.length > 255) return `has a segment longer than 255 characters`;
    // GitLab reserves them as routes; here they would also climb out of a folder.
    if (/^\.+$/.test(seg)) return `has ${what}, which must not be only dots`;
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(seg)) return `has ${what}, which may hold only letters, digits, '_', '-' and '.', and must not start with '-'`;
    if (!isProject && seg.length > 1 && !/[A-Za-z0-9_-]$/.test(seg)) return `has ${what}, which must not end in '.'`;
    if (!isProject && seg.length === 1 && !/^[A-Za-z0-9_]$/.test(seg)) return `has ${what}, which must be a letter, digit or '_'`;
    if (/\.(git|atom)$/.test(seg)) return `has ${what}, which must not end in .git or .atom${isProject && project === seg ? " (write the path without .git)" : ""}`;
  }
  return undefined;
}

/**
 * A GitLab host: lowercase DNS labels with at least one dot, optionally a port (gitlab.com,
 * gitlab.example.com, git.example.com:8443). Only HTTPS is used. The dot keeps a host apart from
 * a GitHub owner (which has none) where both name a folder, as in analyze --source-root.
 */
export const GITLAB_HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?::[0-9]{1,5})?$/;

export const gitlabHost = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(GITLAB_HOST, "must be a lowercase host name with a dot, optionally with a port, such as gitlab.com or gitlab.example.com:8443 (no scheme, no path)")
  .refine((h) => !h.includes(":") || Number(h.split(":")[1]) <= 65535, "has a port above 65535");

/** The GitLab host a source defaults to. */
export const DEFAULT_GITLAB_HOST = "gitlab.com";

const sourceSchema = z
  .strictObject({
  /** Where the source lives: GitHub (default) or GitLab (gitlab.com or self-managed). */
  provider: z.enum(["github", "gitlab"], "must be github or gitlab").default("github"),
  /** The source repository: owner/name on GitHub, the project's full path on GitLab. */
  repo: z
    .string("must be a string")
    .max(1024, "must be at most 1024 characters")
    // For editors: the shape both providers share; the provider's own rules are checked below.
    .meta({ pattern: "^[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$" }),
  /** gitlab only: the GitLab host (default gitlab.com). */
  host: gitlabHost.optional(),
  /** The branch that builds and rebuilds run from. */
  branch: gitRefName.default("main"),
  /** The Dockerfile, relative to the repository root. */
  dockerfile: repoPath.default("Dockerfile"),
  /** The build context, relative to the repository root (default: the Dockerfile's folder). */
  context: repoPath.optional(),
  /** A workflow of the source repo's own; when absent, the factory generates one. */
  workflow: workflowFileName.optional(),
  /**
   * The workflow_dispatch inputs the image's own workflow declares. Only for images with
   * `workflow`; a generated workflow declares all of them.
   */
  workflowInputs: z.array(z.enum(DISPATCH_INPUTS, `must be one of ${DISPATCH_INPUTS.join(", ")}`)).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.provider === "gitlab") {
      const problem = gitlabProjectPathProblem(s.repo);
      if (problem) ctx.addIssue({ code: "custom", path: ["repo"], message: problem });
      // A GitLab project runs its own .gitlab-ci.yml; the factory suggests a job for it (render).
      for (const field of ["workflow", "workflowInputs"] as const) {
        if (s[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: "does not apply to a GitLab source: rebuilds create a pipeline of the project's .gitlab-ci.yml, with the image-factory variables" });
      }
      return;
    }
    if (s.host !== undefined) ctx.addIssue({ code: "custom", path: ["host"], message: "only applies when provider is gitlab" });
    const github = ownerRepo.safeParse(s.repo);
    if (!github.success) ctx.addIssue({ code: "custom", path: ["repo"], message: github.error.issues[0].message });
  });

const environmentName = z
  .string()
  .max(MAX_ENVIRONMENT_NAME, `must be at most ${MAX_ENVIRONMENT_NAME} characters`)
  .regex(ENVIRONMENT_NAME, "must be lowercase letters and digits, words joined by single '-' (e.g. staging, prod-eu)");

const updateSchema = z
  .strictObject({
  /** The repository holding the manifest to update, owner/name. */
  repo: ownerRepo,
  /** The file (kustomize-set-image: the kustomization.yaml or its folder) to update. */
  path: repoPath,
  type: z.enum(["kustomize-set-image", "yaml-update"], "must be kustomize-set-image or yaml-update"),
  /** For yaml-update: the dotted key whose value becomes the new image reference. */
  key: z
    .string()
    .min(1, "must not be empty")
    .max(1024, "must be at most 1024 characters")
    .superRefine((k, ctx) => {
      const problem = yamlUpdateKeyProblem(k);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  /** The branch the pull request targets. */
  branch: gitRefName.default("main"),
  /** The environment this target deploys (see environments.ts): one update Stage per environment. */
  environment: environmentName.optional(),
  /** The environment that must have held a new version before this one takes it. */
  after: environmentName.optional(),
  /** How long the `after` environment must have held the version (default: no wait). */
  soak: duration.optional(),
  })
  .superRefine((u, ctx) => {
    if (u.type === "yaml-update" && !u.key) ctx.addIssue({ code: "custom", path: ["key"], message: "is required when type is yaml-update" });
    if (u.type !== "yaml-update" && u.key !== undefined) ctx.addIssue({ code: "custom", path: ["key"], message: "only applies when type is yaml-update" });
  });

export const imageSchema = z
  .strictObject({
    name: dns1123Label,
    registry: registryHost.default("ghcr.io"),
    repository: ociRepository,
    source: sourceSchema,
    rebuildDelay: duration.default("7d"),
    autoRebuild: z.boolean("must be true or false").default(true),
    buildArgs: z.record(z.string().regex(BUILD_ARG_NAME, "must be a valid ARG name"), z.string("must be a string (quote numbers)")).default({}),
    platforms: z.array(platform).min(1, "must list at least one platform").default(["linux/amd64"]),
    versionBump: z.enum(["patch", "minor", "major"], "must be patch, minor or major").default("patch"),
    updates: z.array(updateSchema).default([]),
    /** Which of the image's bases trigger a rebuild: all (default) or only the runtime ones. */
    rebuildOn: z.enum(["all", "runtime"], "must be all or runtime").default("all"),
    /** Base references that never trigger a rebuild of this image. */
    ignoreBases: z.array(z.string().min(1)).default([]),
    /**
     * The security scan of every build, before the push: `false` turns it off; otherwise the
     * severities that fail the build and whether unfixed findings count.
     */
    scan: z
      .union([z.literal(false), scanSettingsSchema], "must be false or a mapping {failOn: [...], ignoreUnfixed: true|false}")
      // A fresh object per image: no two images share one settings object.
      .default(() => ({ failOn: [...DEFAULT_SCAN.failOn], ignoreUnfixed: DEFAULT_SCAN.ignoreUnfixed })),
    /** When automatic rebuilds may dispatch (manual promotions dispatch at once); default any time. */
    rebuildWindow: rebuildWindowSchema.optional(),
  })
  .superRefine((image, ctx) => {
    if (image.source.workflowInputs && !image.source.workflow) {
      ctx.addIssue({
        code: "custom",
        path: ["source", "workflowInputs"],
        message: "only applies to an image with its own source.workflow; a generated workflow declares every input",
      });
    }
    if (image.source.workflowInputs && new Set(image.source.workflowInputs).size !== image.source.workflowInputs.length) {
      ctx.addIssue({ code: "custom", path: ["source", "workflowInputs"], message: "lists an input twice" });
    }
    for (const issue of environmentIssues(image.updates)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    if (`${image.registry}/${image.repository}`.length > 255) {
      ctx.addIssue({ code: "custom", path: ["repository"], message: "registry/repository must be at most 255 characters" });
    }
  });

// ---------------------------------------------------------------------------------------------
// Base declarations

export const baseSchema = z
  .strictObject({
    /** The base image reference, e.g. node:22-bookworm-slim or gcr.io/distroless/static:nonroot. */
    base: z.string().min(1, "must be an image reference"),
    /**
     * digest: follow the digest of the reference's tag (the default);
     * semver: follow the newest tag in `constraint` (a semver range);
     * lexical: follow the lexically greatest tag matching `constraint` (a regex).
     */
    tagPolicy: z.enum(["digest", "semver", "lexical"], "must be digest, semver or lexical").default("digest"),
    constraint: z.string().min(1).max(1000, "must be at most 1000 characters").optional(),
    /**
     * semver and lexical only: consider only tags whose multi-platform index includes this
     * platform, e.g. linux/amd64. Kargo still follows the index's digest, so any platform's
     * change moves it; a single-platform tag never matches.
     */
    platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+$/, "must be os/arch, such as linux/amd64").optional(),
    /** How often Kargo polls the registry for this base (overrides the registry's default). */
    interval: duration.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.tagPolicy !== "digest" && !b.constraint) {
      ctx.addIssue({ code: "custom", path: ["constraint"], message: `is required when tagPolicy is ${b.tagPolicy}` });
    }
    if (b.tagPolicy === "digest" && b.constraint !== undefined) {
      ctx.addIssue({ code: "custom", path: ["constraint"], message: "does not apply when tagPolicy is digest (the reference's tag is followed)" });
    }
    if (b.tagPolicy === "digest" && b.platform !== undefined) {
      // akuity/kargo v1.11.2 pkg/image/repository_client.go `getImageFromV1ImageIndex`: the
      // Freight carries the index digest, and the platform only filters (a single-platform
      // manifest has no platforms and never matches): it cannot narrow what triggers a rebuild.
      ctx.addIssue({
        code: "custom",
        path: ["platform"],
        message:
          "does not apply when tagPolicy is digest: Kargo follows the digest of the tag's multi-platform index (any platform's change moves it), and a tag that is not such an index would never be found; remove it",
      });
    }
    // Checked as Kargo reads them: Masterminds/semver constraints and Go (RE2) regular expressions.
    if (b.tagPolicy === "semver" && b.constraint) {
      const error = semverConstraintError(b.constraint);
      if (error) ctx.addIssue({ code: "custom", path: ["constraint"], message: `must be a semver constraint as Kargo reads it (Masterminds/semver, e.g. ">=1.2 <2" or "~3.12"): ${error}` });
    }
    if (b.tagPolicy === "lexical" && b.constraint) {
      const error = goRegexpError(b.constraint);
      if (error) ctx.addIssue({ code: "custom", path: ["constraint"], message: `must be a regular expression Kargo can compile (Go's RE2 syntax: no lookaround, backreferences or possessive quantifiers): ${error}` });
    }
  });

export type ImageInput = z.input<typeof imageSchema>;
type ParsedImage = z.output<typeof imageSchema>;

/** An image the factory rebuilds, with every default applied. */
export interface ImageSpec extends Omit<ParsedImage, "source"> {
  source: Omit<ParsedImage["source"], "context" | "provider" | "host" | "workflowInputs"> & {
    provider: "github" | "gitlab";
    /** The GitLab host; only GitLab sources have one. */
    host?: string;
    context: string;
    /** True when the factory generates and owns the build workflow. */
    generatedWorkflow: boolean;
    /** The workflow file dispatched for a rebuild (GitLab: the project's .gitlab-ci.yml runs). */
    workflow: string;
    /** The inputs that workflow declares, which is exactly what a dispatch may send. */
    workflowInputs: DispatchInput[];
  };
}

export type BaseDeclaration = z.output<typeof baseSchema>;

/**
 * The workflow file the factory generates in a source repository: one per repository and
 * branch, building any of that branch's images without a workflow of their own.
 */
export const GENERATED_WORKFLOW_FILE = "image-factory-build.yml";

/** What a GitLab source's rebuild runs: the project's own pipeline configuration. */
export const GITLAB_CI_FILE = ".gitlab-ci.yml";

/** Fills in the defaults that depend on other fields. */
export function completeImage(parsed: ParsedImage): ImageSpec {
  const { source } = parsed;
  const dockerDir = path.posix.dirname(source.dockerfile);
  if (source.provider === "gitlab") {
    // Every variable goes with a GitLab pipeline: a variable no job reads is harmless.
    return {
      ...parsed,
      source: {
        repo: source.repo,
        branch: source.branch,
        dockerfile: source.dockerfile,
        provider: "gitlab",
        host: source.host ?? DEFAULT_GITLAB_HOST,
        context: source.context ?? dockerDir,
        generatedWorkflow: false,
        workflow: GITLAB_CI_FILE,
        workflowInputs: [...DISPATCH_INPUTS],
      },
    };
  }
  const generated = source.workflow === undefined;
  return {
    ...parsed,
    source: {
      repo: source.repo,
      branch: source.branch,
      dockerfile: source.dockerfile,
      provider: "github",
      context: source.context ?? dockerDir,
      generatedWorkflow: generated,
      workflow: source.workflow ?? GENERATED_WORKFLOW_FILE,
      workflowInputs: generated ? [...DISPATCH_INPUTS] : (source.workflowInputs ?? [...DEFAULT_EXTERNAL_WORKFLOW_INPUTS]),
    },
  };
}
