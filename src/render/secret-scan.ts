/**
 * The last line of defence of `render`: before anything is written, every output file is
 * searched for every secret value the run knew about, in the forms a leak would take
 * (plain, JSON-escaped, URL-encoded, base64 and base64url at any byte alignment).
 */

/** Secrets this short would match by accident; they are not searched for. */
export const MIN_SCANNED_SECRET_LENGTH = 4;

export interface SecretFinding {
  file: string;
  /** Which form was found, e.g. "base64". The value itself is never reported. */
  form: string;
  /** Index of the secret in the list given, so a report can say "secret #2". */
  secret: number;
}

interface Needle {
  text: string;
  form: string;
  secret: number;
}

/**
 * The text a value takes inside base64 output, whatever bytes precede it: one needle per
 * alignment (0, 1 or 2 bytes before it), cut to the characters that depend on the value alone.
 */
export function base64Fragments(value: string, alphabet: "base64" | "base64url" = "base64"): string[] {
  const bytes = Buffer.from(value, "utf8");
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString(alphabet);
    // Character i covers bits [6i, 6i+6); keep those inside the value's bits [8k, 8(k+n)).
    const first = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    const fragment = encoded.slice(first, end);
    if (fragment.length >= MIN_SCANNED_SECRET_LENGTH) out.add(fragment);
  }
  return [...out];
}

function needlesFor(value: string, index: number): Needle[] {
  const needles: Needle[] = [{ text: value, form: "plain", secret: index }];
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) needles.push({ text: json, form: "JSON-escaped", secret: index });
  const url = encodeURIComponent(value);
  if (url !== value) needles.push({ text: url, form: "URL-encoded", secret: index });
  for (const f of base64Fragments(value, "base64")) needles.push({ text: f, form: "base64", secret: index });
  for (const f of base64Fragments(value, "base64url")) needles.push({ text: f, form: "base64url", secret: index });
  return needles;
}

/** Finds every secret (by index) in every file; empty when the output is clean. */
export function scanForSecrets(files: ReadonlyMap<string, string | Buffer>, secrets: readonly string[]): SecretFinding[] {
  const needles = secrets.flatMap((s, i) => (s.length >= MIN_SCANNED_SECRET_LENGTH ? needlesFor(s, i) : []));
  if (needles.length === 0) return [];
  const findings: SecretFinding[] = [];
  // A file may be named after a secret too (a value used as a name): its name is shown masked.
  const masked = (file: string) => secrets.reduce((name, secret) => (secret.length >= MIN_SCANNED_SECRET_LENGTH ? name.split(secret).join("[secret]") : name), file);
  for (const [rawFile, content] of files) {
    const file = masked(rawFile);
    if (file !== rawFile) findings.push({ file, form: "file name", secret: secrets.findIndex((s) => s.length >= MIN_SCANNED_SECRET_LENGTH && rawFile.includes(s)) });
    const text = typeof content === "string" ? content : content.toString("utf8");
    const seen = new Set<string>();
    for (const n of needles) {
      const key = `${n.secret}:${n.form}`;
      if (!seen.has(key) && text.includes(n.text)) {
        seen.add(key);
        findings.push({ file, form: n.form, secret: n.secret });
      }
    }
  }
  return findings;
}
