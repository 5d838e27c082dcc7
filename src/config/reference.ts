/**
 * Container image references, parsed and normalized by the distribution/reference grammar
 * (the one `docker pull` and BuildKit use), so that one base is always named one way:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ registry "/" ] path          (≤ 255 characters once normalized)
 *   registry   := host [ ":" port ]               host: DNS-like labels, IPv4, or [IPv6]
 *   path       := component ( "/" component )*    component: [a-z0-9]+ ( ( [._] | __ | -+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex               sha256: 64, sha384: 96, sha512: 128 lowercase hex
 *
 * Normalization (docker's "familiar name" rules):
 * - the first path segment is a registry only when it contains "." or ":" or is "localhost";
 *   otherwise the registry is docker.io;
 * - index.docker.io is docker.io; on docker.io a one-segment path gets "library/";
 * - the registry host is case-insensitive and is lowercased (so Docker.IO and docker.io are one
 *   base); the repository path must already be lowercase: uppercase is an error, never folded,
 *   because registries treat paths case-sensitively;
 * - a reference with neither tag nor digest gets the tag "latest"; one with only a digest keeps
 *   no tag (that is what BuildKit pulls: the digest alone), one with both keeps both.
 *
 * Deliberate differences from distribution/reference, both so that the canonical string always
 * parses back to the same reference:
 * - distribution takes an uppercase first segment ("Foo/bar") for a registry host; here it is
 *   part of the repository and so an error (such a host could not be told apart from a
 *   repository once lowercased);
 * - registry hosts are lowercased (distribution keeps them as written).
 *
 * The canonical string is `<registry>/<repository>[:<tag>][@<digest>]`.
 */

export interface ImageReference {
  /** Lowercase registry host, with port when given: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/node`, `acme/tools/app`. */
  repository: string;
  /** The tag; absent only when the reference is pinned by digest without a tag. */
  tag?: string;
  /** `algorithm:hex`, when pinned. */
  digest?: string;
}

/** Thrown by parseImageReference for text that is not a valid image reference. */
export class InvalidReferenceError extends Error {
  /** The text that was parsed. */
  readonly input: string;
  /** Why it is invalid, without the input (for composing messages). */
  readonly reason: string;

  constructor(input: string, reason: string) {
    super(`invalid image reference ${JSON.stringify(input)}: ${reason}`);
    this.name = "InvalidReferenceError";
    this.input = input;
    this.reason = reason;
  }
}

export const DEFAULT_REGISTRY = "docker.io";
const LEGACY_DEFAULT_REGISTRY = "index.docker.io";
const OFFICIAL_PREFIX = "library/";
export const DEFAULT_TAG = "latest";
export const NAME_MAX_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
/** A bare 64-hex string is an image ID, which docker refuses as a name (it would be ambiguous). */
const IMAGE_ID = /^[a-f0-9]{64}$/;
/** Hex lengths of the digest algorithms registries accept (go-digest's registered ones). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Parses and normalizes an image reference. Throws InvalidReferenceError (and nothing else)
 * for anything that is not one.
 */
export function parseImageReference(text: string): ImageReference {
  if (typeof text !== "string" || text.length === 0) failWith(text, "is empty");
  if (IMAGE_ID.test(text)) failWith(text, "a 64-character hexadecimal string is an image ID, not a name");

  // The digest follows the last "@"; "@" appears nowhere else in a valid reference.
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest.includes("@")) failWith(text, "has more than one '@'");
    validateDigest(digest, text);
  }

  // The tag follows the last ":" after the last "/" (a ":" before that is a registry port).
  let tag: string | undefined;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length === 0) failWith(text, "has an empty tag after ':'");
    if (tag.length > 128) failWith(text, `tag is longer than 128 characters`);
    if (!TAG.test(tag)) failWith(text, `tag ${JSON.stringify(tag)} may only contain letters, digits, '_', '.' and '-', and must not start with '.' or '-'`);
  }
  if (rest.length === 0) failWith(text, "has no repository name");

  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const firstSlash = rest.indexOf("/");
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    if (first.includes(".") || first.includes(":") || first.toLowerCase() === "localhost") {
      registry = normalizeRegistry(first, text);
      path = rest.slice(firstSlash + 1);
    }
  }
  if (registry === DEFAULT_REGISTRY && !path.includes("/")) path = OFFICIAL_PREFIX + path;

  if (path !== path.toLowerCase()) {
    failWith(text, `repository ${JSON.stringify(path)} must be lowercase` + (firstSlash >= 0 && registry === DEFAULT_REGISTRY && /[A-Z]/.test(rest.slice(0, firstSlash)) ? " (a registry host needs a '.' or ':' or must be localhost)" : ""));
  }
  for (const component of path.split("/")) {
    if (component.length === 0) failWith(text, `repository ${JSON.stringify(path)} has an empty path component`);
    if (!PATH_COMPONENT.test(component)) {
      failWith(text, `repository path component ${JSON.stringify(component)} must be lowercase letters and digits, separated by '.', '_', '__' or dashes`);
    }
  }
  const name = `${registry}/${path}`;
  if (name.length > NAME_MAX_LENGTH) failWith(text, `name ${JSON.stringify(name)} is longer than ${NAME_MAX_LENGTH} characters`);

  const ref: ImageReference = { registry, repository: path };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined) ref.tag = DEFAULT_TAG;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function failWith(text: string, reason: string): never {
  throw new InvalidReferenceError(text, reason);
}

function normalizeRegistry(host: string, text: string): string {
  let hostname = host;
  let port: string | undefined;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) failWith(text, `registry ${JSON.stringify(host)} has an unclosed '['`);
    hostname = host.slice(0, close + 1);
    const after = host.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(":")) failWith(text, `registry ${JSON.stringify(host)} has text after the IPv6 address`);
      port = after.slice(1);
    }
    if (!IPV6_HOST.test(hostname)) failWith(text, `registry ${JSON.stringify(host)} is not a valid IPv6 address in brackets`);
  } else {
    const c = host.indexOf(":");
    if (c >= 0) {
      hostname = host.slice(0, c);
      port = host.slice(c + 1);
    }
    if (hostname.length === 0 || !hostname.split(".").every((label) => DOMAIN_COMPONENT.test(label))) {
      failWith(text, `registry host ${JSON.stringify(hostname)} must be dot-separated labels of letters, digits and inner '-'`);
    }
  }
  if (port !== undefined && !PORT.test(port)) failWith(text, `registry port ${JSON.stringify(port)} must be digits`);
  const lowered = (port === undefined ? hostname : `${hostname}:${port}`).toLowerCase();
  return lowered === LEGACY_DEFAULT_REGISTRY ? DEFAULT_REGISTRY : lowered;
}

function validateDigest(digest: string, text: string): void {
  const m = DIGEST.exec(digest);
  if (!m) failWith(text, `digest ${JSON.stringify(digest)} must be algorithm:hex with at least 32 hex digits`);
  const [, algorithm, hex] = m as RegExpExecArray;
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) failWith(text, `digest algorithm ${JSON.stringify(algorithm)} is not supported (sha256, sha384 or sha512)`);
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) failWith(text, `a ${algorithm} digest must be ${length} lowercase hex digits`);
}

/** The canonical string: `<registry>/<repository>[:<tag>][@<digest>]`. */
export function formatReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** `<registry>/<repository>`: the image repository without tag or digest (Kargo's repoURL). */
export function repoURL(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Parses and returns the canonical string (throws InvalidReferenceError). */
export function normalizeReference(text: string): string {
  return formatReference(parseImageReference(text));
}
