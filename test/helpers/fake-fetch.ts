// A scripted stand-in for fetch: each key (by default the whole URL) answers from its queue,
// the last reply repeating; every request is recorded. An Error reply is thrown as a network error.
import type { FetchLike } from "../../src/analysis/sources";

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | Error;

export function fakeFetch(script: Record<string, Reply[]>, keyOf: (url: string) => string = (url) => url) {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, headers: init.headers });
    const queue = script[keyOf(url)];
    if (!queue || queue.length === 0) throw new Error(`unexpected request ${url}`);
    const reply = queue.length > 1 ? (queue.shift() as Reply) : queue[0];
    if (reply instanceof Error) throw reply;
    const headers = new Map(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return { status: reply.status, headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null }, text: async () => reply.body ?? "" };
  };
  return { fetch, calls };
}
