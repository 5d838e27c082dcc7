// images.yaml: `updates[].environment`, `after` and `soak`, and how the entries of one image relate.
import { describe, expect, it } from "vitest";
import { formatProblem, UserError } from "../../src/config/errors";
import { parseImagesText } from "../../src/config/images";

const FILE = "images.yaml";

/** An image whose `updates` are the given flow-style entries (one per line). */
function withUpdates(...entries: string[]): string {
  return `- name: app
  repository: acme/app
  source:
    repo: acme/app
  updates:
${entries.map((e) => `    - { repo: acme/deploy, path: p, type: kustomize-set-image, ${e} }`).join("\n")}
`;
}

function messagesOf(text: string): string[] {
  try {
    parseImagesText(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).problems.map(formatProblem);
  }
  throw new Error("expected the file to be rejected");
}

describe("images.yaml: environments of updates", () => {
  it("accepts a chain, several first environments and updates without an environment", () => {
    const { images } = parseImagesText(
      withUpdates("environment: staging", "environment: eu", "environment: prod, after: staging, soak: 2d", "environment: prod, after: staging, soak: 2d", "branch: main"),
      FILE,
    );
    expect(images[0].updates.map((u) => [u.environment, u.after, u.soak])).toEqual([
      ["staging", undefined, undefined],
      ["eu", undefined, undefined],
      ["prod", "staging", "2d"],
      ["prod", "staging", "2d"],
      [undefined, undefined, undefined],
    ]);
  });

  it("rejects environment names that are not short DNS-style words", () => {
    expect(messagesOf(withUpdates("environment: Prod"))).toEqual([
      `images.yaml:6: image "app": updates[0].environment: must be lowercase letters and digits, words joined by single '-' (e.g. staging, prod-eu), got "Prod"`,
    ]);
    expect(messagesOf(withUpdates("environment: a--b"))[0]).toMatch(/updates\[0\]\.environment: must be lowercase letters/);
    expect(messagesOf(withUpdates(`environment: ${"e".repeat(25)}`))[0]).toMatch(/updates\[0\]\.environment: must be at most 24 characters/);
    expect(messagesOf(withUpdates("environment: prod, after: Staging"))[0]).toMatch(/updates\[0\]\.after: must be lowercase letters/);
  });

  it("rejects a soak that is not a duration", () => {
    expect(messagesOf(withUpdates("environment: staging", "environment: prod, after: staging, soak: 2 days"))).toEqual([
      `images.yaml:7: image "app": updates[1].soak: must be a duration such as 30m, 12h, 7d or 2w (units s, m, h, d, w), got "2 days"`,
    ]);
  });

  it("rejects `after` naming the update's own environment, an unknown one, or one that comes later", () => {
    expect(messagesOf(withUpdates("environment: prod, after: prod"))).toEqual([`images.yaml:6: image "app": updates[0].after: must name an earlier environment, not the update's own, got "prod"`]);
    expect(messagesOf(withUpdates("environment: staging", "environment: prod, after: stagin"))).toEqual([
      `images.yaml:7: image "app": updates[1].after: must name an environment of an earlier update of this image (so far: staging), got "stagin"`,
    ]);
    // A cycle needs an `after` pointing forward, which is refused.
    expect(messagesOf(withUpdates("environment: a, after: b", "environment: b, after: a"))).toEqual([
      `images.yaml:6: image "app": updates[0].after: must name an environment listed earlier: b first appears at updates[1] (list an environment's updates before those of the environments after it), got "b"`,
    ]);
  });

  it("rejects `after` and `soak` where they mean nothing", () => {
    expect(messagesOf(withUpdates("after: staging"))).toEqual([`images.yaml:6: image "app": updates[0].after: only applies to an update that names its environment, got "staging"`]);
    expect(messagesOf(withUpdates("soak: 1d"))[0]).toMatch(/updates\[0\]\.soak: only applies to an update that names its environment/);
    expect(messagesOf(withUpdates("environment: prod, soak: 1d"))).toEqual([
      `images.yaml:6: image "app": updates[0].soak: only applies with after: the soak is how long the environment named in after must have held a version first, got "1d"`,
    ]);
  });

  it("rejects updates of one environment that disagree on its place in the chain", () => {
    expect(messagesOf(withUpdates("environment: staging", "environment: qa", "environment: prod, after: staging, soak: 1d", "environment: prod, after: qa, soak: 1d"))).toEqual([
      `images.yaml:9: image "app": updates[3].after: must be the same in every update of environment prod, which has one place in the chain (updates[2]: after staging, soak 1d), got "qa"`,
    ]);
    expect(messagesOf(withUpdates("environment: staging", "environment: prod, after: staging, soak: 1d", "environment: prod, after: staging"))).toEqual([
      `images.yaml:8: image "app": updates[2].soak: must be the same in every update of environment prod, which has one place in the chain (updates[1]: after staging, soak 1d)`,
    ]);
  });

  it("rejects unknown keys with a suggestion", () => {
    expect(messagesOf(withUpdates("enviroment: prod"))[0]).toMatch(/updates\[0\]\.enviroment: unknown key enviroment, did you mean environment\?/);
  });
});
