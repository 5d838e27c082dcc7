import { describe, expect, it } from "vitest";
import { formatProblem, UserError } from "../../src/config/errors";
import { parseStackSettings } from "../../src/config/stack";

const opts = { source: "Pulumi.dev.yaml", projectDir: "/project" };

function errorsOf(raw: Record<string, string>): string[] {
  try {
    parseStackSettings(raw, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).problems.map(formatProblem);
  }
  throw new Error("expected the config to be rejected");
}

describe("stack config", () => {
  it("has defaults for everything but the secret token", () => {
    const s = parseStackSettings({}, opts);
    expect(s.kargoProject).toBe("image-factory");
    expect(s.imagesPath).toBe("/project/examples/estate/images.yaml");
    expect(s.stateDir).toBe("/project/examples/estate");
    expect(s.delivery.mode).toBe("direct");
    expect(s.github.manageRepoSettings).toBe(false);
    expect(s.registries).toEqual({});
  });

  it("resolves paths against the project and reads objects as Pulumi passes them (JSON)", () => {
    const s = parseStackSettings(
      {
        images: "estate/images.yaml",
        state: "estate/state",
        kargoProject: "rebuilds",
        registries: JSON.stringify({ "docker.io": { pullsPerHour: 50 }, "ghcr.io": { interval: "10m" } }),
        delivery: JSON.stringify({ mode: "gitops", repo: "acme/estate-state", path: "kargo/prod" }),
      },
      opts,
    );
    expect(s.imagesPath).toBe("/project/estate/images.yaml");
    expect(s.stateDir).toBe("/project/estate/state");
    expect(s.registries["docker.io"].pullsPerHour).toBe(50);
    expect(s.delivery).toMatchObject({ mode: "gitops", repo: "acme/estate-state", branch: "main", path: "kargo/prod", argocd: { namespace: "argocd" } });
  });

  it("never reads the secret keys as plain settings", () => {
    const s = parseStackSettings({ githubToken: "ghp_plaintext", githubProviderToken: "ghp_other" }, opts);
    expect(JSON.stringify(s)).not.toContain("ghp_");
  });

  it("rejects unknown keys with a suggestion", () => {
    expect(errorsOf({ kargoProjet: "x" })).toEqual(["Pulumi.dev.yaml: image-factory:kargoProjet: unknown config key, did you mean image-factory:kargoProject?"]);
    expect(errorsOf({ delivery: JSON.stringify({ mode: "direct", reop: "a/b" }) })).toEqual(["Pulumi.dev.yaml: image-factory:delivery.reop: unknown key"]);
  });

  it("validates every value and reports all problems at once", () => {
    const errors = errorsOf({
      kargoProject: "Image_Factory",
      delivery: JSON.stringify({ mode: "gitops" }),
      registries: JSON.stringify({ "docker.io": { interval: "1 day" } }),
    });
    expect(errors).toHaveLength(3);
    expect(errors.join("\n")).toContain("image-factory:kargoProject: must be a DNS-1123 label");
    expect(errors.join("\n")).toContain("image-factory:delivery.repo: is required when mode is gitops");
    expect(errors.join("\n")).toContain("image-factory:registries.docker.io.interval: must be a duration");
  });

  it("protects the critical resources unless protect is false", () => {
    expect(parseStackSettings({}, opts).protect).toBe(true);
    expect(parseStackSettings({ protect: "false" }, opts).protect).toBe(false);
    expect(parseStackSettings({ protect: "true" }, opts).protect).toBe(true);
    expect(errorsOf({ protect: "no" })).toEqual(["Pulumi.dev.yaml: image-factory:protect: must be true or false"]);
  });

  it("says when an object key is not an object", () => {
    expect(errorsOf({ github: "acme" })).toEqual(["Pulumi.dev.yaml: image-factory:github: must be an object (set it as a YAML mapping in the stack file)"]);
  });
});
