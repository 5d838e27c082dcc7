/**
 * Where Dockerfiles come from: a local tree laid out as <root>/<owner>/<repo>/<path> (GitLab
 * sources: <root>/<host>/<full path>/<path>; the example estate, tests, air-gapped use), or the
 * GitHub contents API / GitLab repository files API at the image's branch.
 *
 * GitHub reads retry what is worth retrying: 5xx and network errors with exponential backoff,
 * 429 and secondary rate limits after Retry-After, a 403 primary rate limit after
 * x-ratelimit-reset. Each failure ends as one SourceError with a message for the user; the
 * caller reports it against that image and carries on with the others.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileErrorMessage } from "../config/errors";
import { DEFAULT_GITLAB_HOST, type ImageSpec } from "../config/schema";
import { gitlabApiUrl, gitlabProjectId, isGitlab, sourceLabel } from "../config/source";
import { tokenProblem } from "../config/stack";

/** Reading one image's Dockerfile failed; the message is meant for the user. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

export interface DockerfileSource {
  /** Where the image's Dockerfile is read from, for messages (e.g. acme/app@main:Dockerfile). */
  locate(image: ImageSpec): string;
  /** The Dockerfile's text; throws SourceError. */
  read(image: ImageSpec): Promise<string>;
}

/** `<owner>/<repo>@<branch>:<path>` (GitLab: `<host>/<path>@…`): names a Dockerfile independently of where it is read. */
export function sourceLocation(image: ImageSpec): string {
  return `${sourceLabel(image.source)}@${image.source.branch}:${image.source.dockerfile}`;
}

/** A Dockerfile (local or from GitHub) larger than this is refused. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** Whether `file` is `root` or inside it (both real, absolute paths). */
function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

/**
 * Reads DIR/<owner>/<repo>/<dockerfile> (the branch is not part of the layout). Links are
 * followed only while they stay inside DIR: a Dockerfile that resolves elsewhere (a link to
 * /proc/self/environ, to a key file) is refused without being read.
 */
export function localSource(root: string, show: (file: string) => string = (f) => f): DockerfileSource {
  // A GitLab host always has a dot, which a GitHub owner never has: the two layouts cannot meet.
  // A port follows the host after `_` (a `:` has no place in a file name on every system).
  const fileOf = (image: ImageSpec) => path.join(root, ...sourceLabel(image.source).replace(/:/g, "_").split("/"), ...image.source.dockerfile.split("/"));
  let realRoot: string | undefined;
  return {
    locate: (image) => show(fileOf(image)),
    async read(image) {
      const file = fileOf(image);
      let handle: fs.promises.FileHandle | undefined;
      try {
        realRoot ??= await fs.promises.realpath(root);
        const real = await fs.promises.realpath(file);
        if (!isInside(realRoot, real)) throw new SourceError(`${show(file)} resolves to a file outside --source-root; refusing to read it`);
        handle = await fs.promises.open(real, "r");
        const stat = await handle.stat();
        if (stat.isDirectory()) throw new SourceError(`${show(file)} is a folder, not a Dockerfile`);
        if (!stat.isFile()) throw new SourceError(`${show(file)} is not a regular file`);
        if (stat.size > MAX_DOCKERFILE_BYTES) throw new SourceError(`${show(file)} is ${stat.size} bytes, more than the ${MAX_DOCKERFILE_BYTES} a Dockerfile may have`);
        return await handle.readFile("utf8");
      } catch (e) {
        if (e instanceof SourceError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new SourceError(`Dockerfile not found: ${show(file)} (is --source-root right?)`);
        if (code === "EISDIR") throw new SourceError(`${show(file)} is a folder, not a Dockerfile`);
        throw new SourceError(`cannot read ${show(file)}: ${fileErrorMessage(e)}`);
      } finally {
        await handle?.close();
      }
    },
  };
}

/** The part of the fetch API used here, so tests can pass a fake. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal?: AbortSignal },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** The body as a stream (fetch has one): read with a size cap instead of text(). */
  body?: ReadableStream<Uint8Array> | null;
}>;

/** Reads a response's body, refusing more than `max` bytes (and stopping the download there). */
async function boundedText(response: Awaited<ReturnType<FetchLike>>, max: number, where: string, who = "GitHub"): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) throw new SourceError(`${who}'s answer for ${where} is ${declared} bytes, more than the ${max} a Dockerfile may have`);
  if (!response.body) {
    const text = await response.text();
    if (Buffer.byteLength(text, "utf8") > max) throw new SourceError(`${who}'s answer for ${where} is more than the ${max} bytes a Dockerfile may have`);
    return text;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new SourceError(`${who}'s answer for ${where} is more than the ${max} bytes a Dockerfile may have`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface GitHubSourceOptions {
  /** A token (GITHUB_TOKEN); public repositories can be read without one, at a low rate limit. */
  token?: string;
  fetch?: FetchLike;
  /** The API root, for GitHub Enterprise Server. */
  apiUrl?: string;
  /** Attempts per file, the first included. */
  maxAttempts?: number;
  /** First backoff delay; doubles per retry. */
  baseDelayMs?: number;
  /** A server asking to wait longer than this is reported instead of waited for. */
  maxDelayMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Largest Dockerfile accepted (default MAX_DOCKERFILE_BYTES). */
  maxBytes?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Current time in ms (for x-ratelimit-reset). */
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After: delay-seconds or an HTTP date. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

type SourceResponse = Awaited<ReturnType<FetchLike>>;

/** How one provider's answers are read: the fetch, its limits, and how a non-200 answer is judged. */
interface RetryingReader {
  provider: "GitHub" | "GitLab";
  doFetch: FetchLike;
  headers: Record<string, string>;
  maxAttempts: number;
  baseDelay: number;
  maxDelay: number;
  timeoutMs: number;
  maxBytes: number;
  sleep: (ms: number) => Promise<void>;
  /**
   * A non-200 answer: throws a SourceError when it is final, else says how long to wait
   * (`backoff` is this attempt's exponential delay) and why, for the message if all attempts fail.
   */
  judge(response: SourceResponse, where: string, backoff: number): { wait: number; problem: string };
}

/** GET `url` with retries: network errors and what `judge` deems transient are retried with backoff. */
async function readWithRetries(url: string, where: string, r: RetryingReader): Promise<string> {
  let lastProblem = "";
  for (let attempt = 1; attempt <= r.maxAttempts; attempt++) {
    const backoff = r.baseDelay * 2 ** (attempt - 1);
    let response: SourceResponse;
    try {
      response = await r.doFetch(url, { method: "GET", headers: r.headers, signal: AbortSignal.timeout(r.timeoutMs) });
    } catch (e) {
      lastProblem = `network error: ${(e as Error).message}`;
      if (attempt < r.maxAttempts) await r.sleep(backoff);
      continue;
    }
    if (response.status === 200) {
      try {
        return await boundedText(response, r.maxBytes, where, r.provider);
      } catch (e) {
        if (e instanceof SourceError) throw e;
        lastProblem = `network error while reading the response: ${(e as Error).message}`;
        if (attempt < r.maxAttempts) await r.sleep(backoff);
        continue;
      }
    }
    const { wait, problem } = r.judge(response, where, backoff);
    lastProblem = problem;
    if (wait > r.maxDelay) throw new SourceError(`${problem} reading ${where}; ${r.provider} asks to wait ${Math.ceil(wait / 1000)}s, try again later`);
    if (attempt < r.maxAttempts) await r.sleep(wait);
  }
  throw new SourceError(`${lastProblem} reading ${where}, after ${r.maxAttempts} attempts`);
}

/** The retry settings both providers take from their options. */
function retrySettings(options: GitHubSourceOptions) {
  return {
    doFetch: options.fetch ?? ((url, init) => fetch(url, init)),
    maxAttempts: options.maxAttempts ?? 5,
    baseDelay: options.baseDelayMs ?? 1000,
    maxDelay: options.maxDelayMs ?? 60_000,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxBytes: options.maxBytes ?? MAX_DOCKERFILE_BYTES,
    sleep: options.sleep ?? defaultSleep,
  } satisfies Partial<RetryingReader>;
}

export function githubSource(options: GitHubSourceOptions = {}): DockerfileSource {
  const api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const now = options.now ?? Date.now;
  const headers: Record<string, string> = {
    Accept: "application/vnd.github.raw+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": "image-factory",
  };
  // A token that cannot be a header value is refused before any request (never retried, never shown).
  const tokenError = options.token ? tokenProblem(options.token) : undefined;
  if (options.token && !tokenError) headers.Authorization = `Bearer ${options.token}`;
  const reader: RetryingReader = {
    provider: "GitHub",
    headers,
    ...retrySettings(options),
    judge(response, where, backoff) {
      const { status } = response;
      const remaining = response.headers.get("x-ratelimit-remaining");
      const retryAfter = retryAfterMs(response.headers.get("retry-after"), now());
      if (status === 404) {
        throw new SourceError(
          `not found on GitHub: ${where} (check source.repo, source.branch and source.dockerfile${options.token ? "; the token may lack access to the repository" : "; a private repository needs GITHUB_TOKEN"})`,
        );
      }
      if (status === 401) throw new SourceError(`GitHub rejected the credentials (401) reading ${where}: check GITHUB_TOKEN`);
      if (status === 403 && remaining === "0") {
        const reset = Number(response.headers.get("x-ratelimit-reset"));
        return {
          wait: Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now()) : retryAfter ?? backoff,
          problem: `GitHub API rate limit exceeded${options.token ? "" : " (unauthenticated: set GITHUB_TOKEN for a higher limit)"}`,
        };
      }
      if (status === 403 && retryAfter !== undefined) return { wait: retryAfter, problem: "GitHub secondary rate limit (403)" };
      if (status === 403) throw new SourceError(`GitHub refused access (403) to ${where}: check GITHUB_TOKEN's permissions`);
      if (status === 429 || status >= 500) return { wait: retryAfter ?? backoff, problem: `GitHub answered ${status}` };
      throw new SourceError(`GitHub answered ${status} reading ${where}`);
    },
  };

  return {
    locate: sourceLocation,
    async read(image) {
      if (tokenError) throw new SourceError(`GITHUB_TOKEN ${tokenError.replace(/: set the token.*$/, "")}`);
      const { repo, branch, dockerfile } = image.source;
      const encodedPath = dockerfile.split("/").map(encodeURIComponent).join("/");
      return readWithRetries(`${api}/repos/${repo}/contents/${encodedPath}?ref=${encodeURIComponent(branch)}`, sourceLocation(image), reader);
    },
  };
}

export interface GitLabSourceOptions extends Omit<GitHubSourceOptions, "apiUrl"> {
  /** A token (GITLAB_TOKEN) with read_api or read_repository; public projects can be read without one. */
  token?: string;
  /**
   * The only hosts read (and so sent the token): the stack's image-factory:gitlab.hosts.
   * Default [gitlab.com]. `hostsHint` ends the refusal: what to change.
   */
  hosts?: readonly string[];
  hostsHint?: string;
}

/**
 * GitLab's repository files API: GET /api/v4/projects/:id/repository/files/:file_path/raw?ref=
 * (`:id` and `:file_path` URL-encoded, slashes included), the token in the PRIVATE-TOKEN
 * header. GitLab limits rates with 429 (Retry-After when it knows, RateLimit-Reset otherwise);
 * 429 and 5xx are retried like GitHub's, and its 401, 403 and 404 are final. GitLab answers a
 * project the token cannot see with 404, as it does an unknown one.
 */
export function gitlabSource(options: GitLabSourceOptions = {}): DockerfileSource {
  const now = options.now ?? Date.now;
  const headers: Record<string, string> = { "User-Agent": "image-factory" };
  const tokenError = options.token ? tokenProblem(options.token) : undefined;
  if (options.token && !tokenError) headers["PRIVATE-TOKEN"] = options.token;
  const reader: RetryingReader = {
    provider: "GitLab",
    headers,
    ...retrySettings(options),
    judge(response, where, backoff) {
      const { status } = response;
      if (status === 404) {
        throw new SourceError(
          `not found on GitLab: ${where} (check source.host, source.repo, source.branch and source.dockerfile${options.token ? "; the token may lack access to the project" : "; a private project needs GITLAB_TOKEN"})`,
        );
      }
      if (status === 401) throw new SourceError(`GitLab rejected the credentials (401) reading ${where}: check GITLAB_TOKEN`);
      if (status === 403) throw new SourceError(`GitLab refused access (403) to ${where}: check GITLAB_TOKEN's scopes (read_api or read_repository)`);
      if (status === 429 || status >= 500) {
        const reset = Number(response.headers.get("ratelimit-reset"));
        const untilReset = status === 429 && Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now()) : undefined;
        return { wait: retryAfterMs(response.headers.get("retry-after"), now()) ?? untilReset ?? backoff, problem: status === 429 ? "GitLab rate limit (429)" : `GitLab answered ${status}` };
      }
      throw new SourceError(`GitLab answered ${status} reading ${where}`);
    },
  };

  const hosts = options.hosts ?? [DEFAULT_GITLAB_HOST];
  return {
    locate: sourceLocation,
    async read(image) {
      const { repo, branch, dockerfile, host } = image.source;
      // Checked before anything is sent: GITLAB_TOKEN goes only to the hosts the stack lists.
      if (!hosts.includes(host!)) {
        throw new SourceError(
          `not read: GitLab host ${host} is not one of the hosts GITLAB_TOKEN is for (${hosts.join(", ")}): ` +
            (options.hostsHint ?? "add it to the stack's image-factory:gitlab.hosts if the token belongs to it, or fix source.host"),
        );
      }
      if (tokenError) throw new SourceError(`GITLAB_TOKEN ${tokenError.replace(/: set the token.*$/, "")}`);
      const url = `${gitlabApiUrl(host!)}/projects/${gitlabProjectId(repo)}/repository/files/${encodeURIComponent(dockerfile)}/raw?ref=${encodeURIComponent(branch)}`;
      return readWithRetries(url, sourceLocation(image), reader);
    },
  };
}

/** Reads each image from its own provider: GitHub's contents API or GitLab's files API. */
export function providerSource(github: DockerfileSource, gitlab: DockerfileSource): DockerfileSource {
  const pick = (image: ImageSpec) => (isGitlab(image.source) ? gitlab : github);
  return {
    locate: (image) => pick(image).locate(image),
    read: (image) => pick(image).read(image),
  };
}

/** Runs fn over items with at most `limit` in flight; results keep the items' order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
