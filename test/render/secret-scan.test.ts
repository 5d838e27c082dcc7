import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64Fragments, scanForSecrets } from "../../src/render/secret-scan";

const scan = (content: string, secrets: string[]) => scanForSecrets(new Map([["f", content]]), secrets);

describe("scanForSecrets", () => {
  it("finds a secret plain, JSON-escaped, URL-encoded and in base64 or base64url", () => {
    const secret = 'p@ss"wörd/+?==';
    expect(scan(`token: ${secret}`, [secret]).map((f) => f.form)).toContain("plain");
    expect(scan(JSON.stringify({ t: secret }), [secret]).map((f) => f.form)).toContain("JSON-escaped");
    expect(scan(`https://x/?t=${encodeURIComponent(secret)}`, [secret]).map((f) => f.form)).toContain("URL-encoded");
    expect(scan(Buffer.from(secret).toString("base64"), [secret]).map((f) => f.form)).toContain("base64");
    expect(scan(Buffer.from(`ab${secret}`).toString("base64url"), [secret]).map((f) => f.form)).toContain("base64url");
  });

  it("finds a secret inside any base64 blob, whatever bytes come before and after it", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 40 }), fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }), (secret, before, after) => {
        const blob = Buffer.concat([Buffer.from(before), Buffer.from(secret, "utf8"), Buffer.from(after)]).toString("base64");
        return scan(`data: ${blob}`, [secret]).length > 0;
      }),
    );
  });

  it("reports clean output as clean and never reports the value itself", () => {
    expect(scan("nothing to see", ["ghp_abcdef123456"])).toEqual([]);
    const findings = scanForSecrets(new Map([["a.yaml", "x ghp_abcdef123456"]]), ["other-secret", "ghp_abcdef123456"]);
    expect(findings).toEqual([{ file: "a.yaml", form: "plain", secret: 1 }]);
  });

  it("skips secrets too short to search for without matching everything", () => {
    expect(scan("abc abc", ["abc"])).toEqual([]);
  });

  it("has one base64 fragment per byte alignment, each found at its alignment", () => {
    const fragments = base64Fragments("secret-value");
    expect(fragments).toHaveLength(3);
    fragments.forEach((f, k) => expect(Buffer.concat([Buffer.alloc(k, 0x41), Buffer.from("secret-value")]).toString("base64")).toContain(f));
  });
});
