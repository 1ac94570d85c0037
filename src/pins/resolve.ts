/**
 * `--network`: what an action tag and an image tag point to now, looked up for the pins that
 * unpinned-action and unpinned-base-image could not take from the user's map. The rules never do
 * I/O; the pipeline calls this between a first pass of those two rules and the real run, and
 * hands the result to them as a pin map under the user's (src/pipeline/pipeline.ts).
 *
 *   action `owner/repo[/path]@ref` → GET {GITHUB_API_URL}/repos/{owner}/{repo}/commits/{ref} with
 *     `Accept: application/vnd.github.sha` (the body is the 40-hex SHA); GITHUB_TOKEN, when set,
 *     as `Authorization: Bearer` (never printed, never sent to a registry);
 *   image `name[:tag]` → HEAD /v2/{name}/manifests/{tag} on its registry (Docker Hub's short names
 *     on registry-1.docker.io under `library/`), `Docker-Content-Digest`; without that header a
 *     GET whose body is hashed. A 401 with a Bearer challenge is followed anonymously once. The
 *     digest of an index (multi-arch) is kept as it is: that is what Renovate and pinact pin.
 *     AUTOPACK_FIX_REGISTRY_URL sends every registry request to one base URL (a mirror; tests).
 *
 * One request per distinct ref, at most four at once, ten seconds each. Nothing here fails the
 * run: a ref that cannot be resolved comes back in `failed` with the reason (HTTP status, DNS,
 * timeout, auth, rate limit), and a rate limit or an unreachable service (DNS, refused, timeout)
 * stops further calls to that service with one note. campaign/api.ts's limitedFetch is not used: it waits for a limit to lift (up to 15
 * minutes), which a check must not do, and it sits in a front end the pipeline cannot import.
 */
import { createHash } from 'node:crypto';
import { DIGEST, FULL_SHA, actionKey, imageKey, type PinMap } from '../formats/pin-map.js';

export const DEFAULT_GITHUB_API = 'https://api.github.com';
export const REGISTRY_URL_ENV = 'AUTOPACK_FIX_REGISTRY_URL';
export const LOOKUP_CONCURRENCY = 4;
export const LOOKUP_TIMEOUT_MS = 10_000;

/** One ref to resolve: an action (`owner/repo[/path]`, ref) or an image reference (`name[:tag]`). */
export type PinRequest = { kind: 'actions'; name: string; ref: string; file: string } | { kind: 'images'; image: string; file: string };

export interface PinLookup {
  /** When the lookups ran (ISO 8601, seconds). */
  at: string;
  /** Per section and map key: where the pin came from ("the GitHub API", "registry ghcr.io"). */
  resolved: { actions: Record<string, string>; images: Record<string, string> };
  /** Per section and map key: why the lookup failed. */
  failed: { actions: Record<string, string>; images: Record<string, string> };
}

export interface Resolution {
  map: PinMap;
  lookup: PinLookup;
  /** One line each, naming the ref and the reason (never a token), with a file that uses it. */
  notes: Array<{ file: string; message: string }>;
  /** Requests sent (retries included). */
  requests: number;
}

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  /** The GitHub token (default: GITHUB_TOKEN of env). */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  concurrency?: number;
  now?: () => Date;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** The key a request has in the pin map (and in `resolved`/`failed`). */
export function requestKey(r: PinRequest): string {
  return r.kind === 'actions' ? actionKey(r.name, r.ref) : imageKey(r.image);
}

/** How a request is named in notes: as the repository writes it. */
function shown(r: PinRequest): string {
  return r.kind === 'actions' ? `${r.name}@${r.ref}` : r.image;
}

/** Why a ref failed, and whether the service should get no more requests this run. */
class LookupFailure extends Error {
  constructor(
    message: string,
    readonly stop = false,
  ) {
    super(message);
  }
}

/** A fetch error in words: DNS, refused, timeout, or the code. */
function networkReason(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; name?: string; message?: string; errors?: Array<{ code?: string }> } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return 'timeout';
  // Several addresses tried (IPv4 and IPv6): an AggregateError whose parts carry the code.
  const code = e?.cause?.code ?? e?.cause?.errors?.find((x) => x?.code)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS: the host is not found (${code})`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code) return `network error (${code})`;
  return `network error (${e?.cause?.message ?? e?.message ?? String(error)})`;
}

export async function resolvePins(requests: readonly PinRequest[], options: ResolveOptions): Promise<Resolution> {
  const env = options.env;
  const token = options.token ?? (env.GITHUB_TOKEN || undefined);
  const apiBase = (env.GITHUB_API_URL || DEFAULT_GITHUB_API).replace(/\/+$/, '');
  const registryOverride = env[REGISTRY_URL_ENV] ? (env[REGISTRY_URL_ENV] as string).replace(/\/+$/, '') : undefined;
  const timeoutMs = options.timeoutMs ?? LOOKUP_TIMEOUT_MS;
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? (() => new Date());
  let requestsSent = 0;
  const timed = async (url: string, init: RequestInit): Promise<Response> => {
    requestsSent++;
    try {
      return await baseFetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const reason = networkReason(error);
      // A service that cannot be reached is not tried again for every other ref (ten seconds each).
      throw new LookupFailure(reason === 'timeout' ? `timeout: no answer in ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}` : reason, true);
    }
  };
  // A service that rate-limited us (or whose limit is used up) gets no further request.
  const stopped = new Map<string, string>();
  const notes: Resolution['notes'] = [];
  const rest = (service: string): string => `no further ${service === 'github' ? 'action' : `image of ${service}`} is looked up this run`;
  /** The first ref that stops a service names it, once; refs already under way add no note. */
  const stop = (service: string, why: string, file: string, ref?: PinRequest): void => {
    if (stopped.has(service)) return;
    stopped.set(service, why);
    notes.push({ file, message: `--network: ${ref ? `\`${shown(ref)}\` is not pinned: ` : ''}${why}; ${rest(service)}` });
  };

  const resolveAction = async (r: Extract<PinRequest, { kind: 'actions' }>): Promise<string> => {
    const [owner, repo] = r.name.split('/');
    const url = `${apiBase}/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(repo ?? '')}/commits/${r.ref.split('/').map(encodeURIComponent).join('/')}`;
    const headers: Record<string, string> = { accept: 'application/vnd.github.sha', 'user-agent': 'autopack-fix', 'x-github-api-version': '2022-11-28' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await timed(url, { headers });
    const body = await res.text().catch(() => '');
    const remaining = res.headers.get('x-ratelimit-remaining');
    const limited = (res.status === 403 || res.status === 429) && (remaining === '0' || res.headers.has('retry-after') || res.status === 429);
    if (limited) {
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      const lifts = Number.isFinite(reset) && reset > 0 ? ` (it lifts at ${new Date(reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')})` : '';
      throw new LookupFailure(`HTTP ${res.status}: the GitHub API rate limit is reached${lifts}${token ? '' : '; a GITHUB_TOKEN raises it'}`, true);
    }
    if (res.status === 404) throw new LookupFailure(`HTTP 404: the API knows no repository \`${owner}/${repo}\` or no ref \`${r.ref}\` in it${token ? '' : ' (a private repository needs GITHUB_TOKEN)'}`);
    if (res.status === 422) throw new LookupFailure(`HTTP 422: \`${r.ref}\` names no single commit of \`${owner}/${repo}\``);
    if (res.status === 401 || res.status === 403) throw new LookupFailure(`HTTP ${res.status}: auth: the API refused ${token ? 'the token' : 'an anonymous request'}`);
    if (res.status < 200 || res.status > 299) throw new LookupFailure(`HTTP ${res.status}`);
    const sha = body.trim();
    if (!FULL_SHA.test(sha)) throw new LookupFailure('the API answered something that is not a 40-hex commit SHA');
    // This answer was the last one the limit allows: later requests would only be refused.
    if (remaining === '0') stop('github', 'the GitHub API rate limit is used up', r.file);
    return sha.toLowerCase();
  };

  // Anonymous registry tokens, by realm, service and scope: one per repository and run.
  const registryTokens = new Map<string, Promise<string>>();
  const registryToken = (challenge: string): Promise<string> => {
    const params = bearerParams(challenge);
    if (!params?.realm) return Promise.reject(new LookupFailure(`HTTP 401: auth: the registry asks for credentials (${challenge.split(/\s/)[0] || 'no challenge'}); only anonymous pulls are looked up`));
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      return Promise.reject(new LookupFailure('auth: the registry\'s Bearer challenge names no usable token URL'));
    }
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const cacheKey = url.toString();
    let pending = registryTokens.get(cacheKey);
    if (!pending) {
      pending = (async () => {
        const res = await timed(cacheKey, { headers: { 'user-agent': 'autopack-fix' } });
        if (res.status === 429) throw new LookupFailure(`HTTP 429: the token service of ${url.host} rate-limits`, true);
        if (res.status < 200 || res.status > 299) throw new LookupFailure(`HTTP ${res.status}: auth: no anonymous token from ${url.host}`);
        const json = (await res.json().catch(() => undefined)) as { token?: unknown; access_token?: unknown } | undefined;
        const t = typeof json?.token === 'string' ? json.token : typeof json?.access_token === 'string' ? json.access_token : undefined;
        if (!t) throw new LookupFailure(`auth: the token service of ${url.host} answered no token`);
        return t;
      })();
      registryTokens.set(cacheKey, pending);
    }
    return pending;
  };

  const resolveImage = async (r: Extract<PinRequest, { kind: 'images' }>): Promise<{ digest: string; host: string }> => {
    const { host, name, tag } = imageParts(r.image);
    // The grammar of docker/distribution's reference package: nothing else is put into a URL.
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host) || !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(name) || !/^[\w][\w.-]{0,127}$/.test(tag)) {
      throw new LookupFailure(`\`${r.image}\` is not an image reference the registry API can look up`);
    }
    const base = registryOverride ?? `${/^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host) ? 'http' : 'https'}://${host}`;
    const url = `${base}/v2/${name}/manifests/${encodeURIComponent(tag)}`;
    const headers: Record<string, string> = { accept: MANIFEST_TYPES.join(', '), 'user-agent': 'autopack-fix' };
    const send = async (method: 'HEAD' | 'GET'): Promise<Response> => {
      let res = await timed(url, { method, headers });
      if (res.status === 401 && !headers.authorization) {
        await res.body?.cancel().catch(() => undefined);
        headers.authorization = `Bearer ${await registryToken(res.headers.get('www-authenticate') ?? '')}`;
        res = await timed(url, { method, headers });
      }
      if (res.status === 429) throw new LookupFailure(`HTTP 429: ${host} rate-limits`, true);
      if (res.status === 404) throw new LookupFailure(`HTTP 404: ${host} has no image \`${name}\` with tag \`${tag}\``);
      if (res.status === 401 || res.status === 403) throw new LookupFailure(`HTTP ${res.status}: auth: ${host} refused an anonymous pull (a private image?)`);
      if (res.status < 200 || res.status > 299) throw new LookupFailure(`HTTP ${res.status} from ${host}`);
      const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
      if (type && !MANIFEST_TYPES.includes(type)) throw new LookupFailure(`${host} answered \`${type}\`, not an OCI or Docker v2 manifest`);
      return res;
    };
    const head = await send('HEAD');
    const header = head.headers.get('docker-content-digest')?.trim();
    if (header && DIGEST.test(header)) return { digest: header, host };
    // No usable header: the digest is the sha256 of the manifest as served.
    const got = await send('GET');
    const type = (got.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (!MANIFEST_TYPES.includes(type)) throw new LookupFailure(`${host} sent no Docker-Content-Digest and a body that is not a manifest`);
    const body = Buffer.from(await got.arrayBuffer());
    return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, host };
  };

  const map: PinMap = { actions: {}, images: {} };
  const lookup: PinLookup = { at: now().toISOString().replace(/\.\d{3}Z$/, 'Z'), resolved: { actions: {}, images: {} }, failed: { actions: {}, images: {} } };
  const distinct = new Map<string, PinRequest>();
  for (const r of requests) if (!distinct.has(`${r.kind}\0${requestKey(r)}`)) distinct.set(`${r.kind}\0${requestKey(r)}`, r);
  const queue = [...distinct.values()];
  const serviceOf = (r: PinRequest): string => (r.kind === 'actions' ? 'github' : registryOverride ?? imageParts(r.image).host);
  const one = async (r: PinRequest): Promise<void> => {
    const key = requestKey(r);
    const service = serviceOf(r);
    const skipped = stopped.get(service);
    if (skipped) {
      lookup.failed[r.kind][key] = `not looked up: ${skipped}`;
      return;
    }
    try {
      if (r.kind === 'actions') {
        map.actions[key] = await resolveAction(r);
        lookup.resolved.actions[key] = 'the GitHub API';
      } else {
        const { digest, host } = await resolveImage(r);
        map.images[key] = digest;
        lookup.resolved.images[key] = `registry ${host}`;
      }
    } catch (error) {
      const reason = error instanceof LookupFailure ? error.message : `unexpected: ${(error as Error)?.message ?? String(error)}`;
      lookup.failed[r.kind][key] = reason;
      if (error instanceof LookupFailure && error.stop) stop(service, reason, r.file, r);
      else notes.push({ file: r.file, message: `--network: \`${shown(r)}\` is not pinned: ${reason}` });
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) await one(queue[next++] as PinRequest);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? LOOKUP_CONCURRENCY, queue.length)) }, worker));
  // Refs that were skipped after a stop, and in-flight ones that failed with the same limit, are
  // one note (above), not one each.
  return { map, lookup, notes, requests: requestsSent };
}

/**
 * Where an image reference is pulled from, as the Docker CLI reads it: the registry host
 * (Docker Hub's API host for docker.io), the repository path (`library/` for an official image)
 * and the tag (`latest` when none).
 */
export function imageParts(image: string): { host: string; name: string; tag: string } {
  const key = imageKey(image);
  const slash = key.indexOf('/');
  const registry = key.slice(0, slash);
  const rest = key.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  // The key lower-cases the name; the tag is kept as written (tags are case-sensitive).
  return { host, name: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export function bearerParams(header: string): Record<string, string> | undefined {
  const m = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const p of (m[1] as string).matchAll(/([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) out[(p[1] as string).toLowerCase()] = p[2] ?? p[3] ?? '';
  return out;
}
