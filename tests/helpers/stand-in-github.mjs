// A stand-in for a GitHub (Enterprise) server on 127.0.0.1, for tests and local demos of
// `autopack-fix pr`:
//   - git over smart HTTP at  http://127.0.0.1:PORT/<owner>/<repo>.git  (real `git http-backend`
//     serving bare repositories under `root`), requiring `Authorization: basic x-access-token:TOKEN`;
//   - a small REST API at     http://127.0.0.1:PORT/api/v3  (repos.get, pulls list/create/update,
//     labels, reviewers, comments), requiring `Authorization: token TOKEN`.
// Every request is recorded (method, path, headers, JSON body) in `server.requests`.
//
// For campaigns (tests/campaign-*.test.ts), on top:
//   - repository metadata (`setRepo(slug, { topics, language, archived, fork, defaultBranch,
//     hidden })`): repos.get answers from it (404 when `hidden`: listed, but not readable with
//     the token), and GET /orgs/:org/repos, /users/:user/repos (public ones only) and /user/repos
//     (the token's own user, `options.login`; GET /user answers 403 without it, as for an app)
//     list it, `pageSize` a page, with `Link` headers;
//   - faults (`fault({ path: RegExp, method, status, headers, body, times })`): the next `times`
//     requests whose path (and method, when given) matches (API paths without /api/v3, git paths as they are) get that answer
//     instead: rate limits (403 + x-ratelimit-remaining 0, 429 + retry-after), a 5xx, a git
//     failure;
//   - `afterGit(fn)`: fn({ method, path }) runs when a git request has been answered (a test
//     moves a branch there, between a clone and the push);
//   - GET /repos/:o/:r/pulls/:n, and `setPull(slug, n, { state, merged })` to close or merge a PR
//     as a maintainer would (for `campaign report --refresh`).
//
// Run it directly for a demo:  node tests/helpers/stand-in-github.mjs <root> <owner/repo> <token>
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @param {{ root: string, token: string, defaultBranch?: string }} options
 */
export async function startStandIn(options) {
  const state = {
    requests: [],
    gitRequests: [],
    repos: new Map(), // "owner/repo" -> metadata (campaigns)
    faults: [],
    afterGit: [],
    pageSize: options.pageSize ?? 30,
    pulls: new Map(), // "owner/repo" -> array of PRs
    comments: new Map(), // "owner/repo#n" -> array
    nextNumber: 1,
    nextCommentId: 100,
  };
  const basic = `basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`;
  /** The first fault matching this request, used up by one. */
  function takeFault(kind, method, p) {
    const f = state.faults.find((x) => x.kind === kind && x.times > 0 && (!x.method || x.method === method) && x.path.test(p));
    if (!f) return undefined;
    f.times--;
    f.hits++;
    return f;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname.startsWith('/api/v3/') || url.pathname === '/api/v3';
    const f = takeFault(isApi ? 'api' : 'git', req.method, isApi ? url.pathname.slice('/api/v3'.length) : url.pathname);
    if (f) {
      (isApi ? state.requests : state.gitRequests).push({ method: req.method, path: isApi ? url.pathname.slice('/api/v3'.length) : url.pathname, query: isApi ? Object.fromEntries(url.searchParams) : url.search, fault: f.status });
      req.resume();
      res.writeHead(f.status, { 'content-type': 'application/json; charset=utf-8', ...(f.headers ?? {}) });
      res.end(JSON.stringify(f.body ?? { message: `stand-in fault ${f.status}` }));
      return;
    }
    if (isApi) {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => api(req, res, url, raw));
      return;
    }
    gitHttp(req, res, url);
  });

  function gitHttp(req, res, url) {
    // Node keeps only the first of repeated Authorization headers in req.headers; headersDistinct
    // has them all, so a second header (a persisted actions/checkout one) is caught here.
    const all = req.headersDistinct.authorization ?? [];
    const auth = all.length === 1 ? all[0] : all.join(' | ');
    state.gitRequests.push({ method: req.method, path: url.pathname, query: url.search, authorization: auth });
    if (auth !== basic) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="stand-in"' });
      res.end('authentication required\n');
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        REQUEST_METHOD: req.method,
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: req.headers['git-protocol'] ?? '',
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        HOME: options.root,
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers = {};
      for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + sep));
    });
    child.stdout.on('end', () => {
      res.end();
      for (const fn of state.afterGit) fn({ method: req.method, path: url.pathname });
    });
    child.on('error', () => {
      res.writeHead(500);
      res.end();
    });
  }

  function send(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  function pullJson(port, slug, pr) {
    return {
      number: pr.number,
      state: pr.state,
      merged_at: pr.merged_at ?? null,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      head: { ref: pr.head, label: `${slug.split('/')[0]}:${pr.head}` },
      base: { ref: pr.base },
      labels: pr.labels.map((name) => ({ name })),
      requested_reviewers: pr.reviewers.map((login) => ({ login })),
      html_url: `http://127.0.0.1:${port}/${slug}/pull/${pr.number}`,
    };
  }

  function repoJson(port, r) {
    return {
      full_name: r.slug,
      name: r.slug.split('/')[1],
      owner: { login: r.owner },
      default_branch: r.defaultBranch ?? options.defaultBranch ?? 'main',
      clone_url: `http://127.0.0.1:${port}/${r.slug}.git`,
      archived: !!r.archived,
      fork: !!r.fork,
      private: !!r.private,
      language: r.language ?? null,
      topics: r.topics ?? [],
    };
  }

  function api(req, res, url, raw) {
    const port = server.address().port;
    let body;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, 400, { message: 'Problems parsing JSON' });
    }
    const rel = url.pathname.slice('/api/v3'.length);
    state.requests.push({ method: req.method, path: rel, query: Object.fromEntries(url.searchParams), body, authorization: req.headers.authorization });
    if (req.headers.authorization !== `token ${options.token}`) return send(res, 401, { message: 'Bad credentials' });
    let m;
    if (rel === '/user' && req.method === 'GET') {
      return options.login ? send(res, 200, { login: options.login }) : send(res, 403, { message: 'Resource not accessible by integration' });
    }
    if ((m = /^\/(orgs|users)\/([^/]+)\/repos$|^\/user\/repos$/.exec(rel)) && req.method === 'GET') {
      const owner = m[2] ?? options.login;
      // The public listing of a user leaves private repositories out; the user's own shows them.
      const all = [...state.repos.values()].filter((r) => r.owner === owner && (!r.private || rel === '/user/repos' || m[1] === 'orgs')).sort((a, b) => a.slug.localeCompare(b.slug));
      const size = Math.min(Number(url.searchParams.get('per_page') ?? 30), state.pageSize);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(all.length / size));
      const link = (n) => {
        const u = new URL(`http://127.0.0.1:${port}${url.pathname}`);
        for (const [k, v] of url.searchParams) if (k !== 'page') u.searchParams.set(k, v);
        u.searchParams.set('page', String(n));
        return u.toString();
      };
      const links = [];
      if (page < last) links.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
      if (page > 1) links.push(`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...(links.length ? { link: links.join(', ') } : {}) });
      res.end(JSON.stringify(all.slice((page - 1) * size, page * size).map((r) => repoJson(port, r))));
      return;
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(rel)) && req.method === 'GET') {
      const meta = state.repos.get(`${m[1]}/${m[2]}`);
      if (meta?.hidden) return send(res, 404, { message: 'Not Found' });
      if (meta) return send(res, 200, repoJson(port, meta));
      return send(res, 200, { full_name: `${m[1]}/${m[2]}`, default_branch: options.defaultBranch ?? 'main' });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(rel))) {
      const slug = `${m[1]}/${m[2]}`;
      const list = state.pulls.get(slug) ?? [];
      if (req.method === 'GET') {
        const st = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const found = list
          .filter((p) => st === 'all' || p.state === st)
          .filter((p) => !head || `${m[1]}:${p.head}` === head)
          .sort((a, b) => b.number - a.number);
        return send(res, 200, found.map((p) => pullJson(port, slug, p)));
      }
      if (req.method === 'POST') {
        if (list.some((p) => p.state === 'open' && p.head === body.head)) return send(res, 422, { message: `A pull request already exists for ${m[1]}:${body.head}.` });
        try {
          execFileSync('git', ['rev-parse', '--verify', `refs/heads/${body.head}`], { cwd: path.join(options.root, `${slug}.git`), stdio: 'ignore' });
        } catch {
          return send(res, 422, { message: 'Validation Failed', errors: [{ field: 'head', code: 'invalid' }] });
        }
        const pr = { number: state.nextNumber++, state: 'open', title: body.title, body: body.body, head: body.head, base: body.base, draft: !!body.draft, labels: [], reviewers: [] };
        list.push(pr);
        state.pulls.set(slug, list);
        return send(res, 201, pullJson(port, slug, pr));
      }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)(\/requested_reviewers)?$/.exec(rel))) {
      const slug = `${m[1]}/${m[2]}`;
      const pr = (state.pulls.get(slug) ?? []).find((p) => p.number === Number(m[3]));
      if (!pr) return send(res, 404, { message: 'Not Found' });
      if (m[4] && req.method === 'POST') {
        pr.reviewers.push(...(body.reviewers ?? []));
        return send(res, 201, pullJson(port, slug, pr));
      }
      if (!m[4] && req.method === 'GET') return send(res, 200, { ...pullJson(port, slug, pr), merged: !!pr.merged_at });
      if (!m[4] && req.method === 'PATCH') {
        for (const k of ['title', 'body', 'state']) if (body[k] !== undefined) pr[k] = body[k];
        return send(res, 200, pullJson(port, slug, pr));
      }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/(labels|comments)$/.exec(rel))) {
      const slug = `${m[1]}/${m[2]}`;
      const n = Number(m[3]);
      const pr = (state.pulls.get(slug) ?? []).find((p) => p.number === n);
      if (!pr) return send(res, 404, { message: 'Not Found' });
      if (m[4] === 'labels' && req.method === 'POST') {
        for (const l of body.labels) if (!pr.labels.includes(l)) pr.labels.push(l);
        return send(res, 200, pr.labels.map((name) => ({ name })));
      }
      const key = `${slug}#${n}`;
      const comments = state.comments.get(key) ?? [];
      if (m[4] === 'comments' && req.method === 'GET') return send(res, 200, comments);
      if (m[4] === 'comments' && req.method === 'POST') {
        const c = { id: state.nextCommentId++, body: body.body };
        comments.push(c);
        state.comments.set(key, comments);
        return send(res, 201, c);
      }
    }
    return send(res, 404, { message: 'Not Found' });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    apiUrl: `http://127.0.0.1:${port}/api/v3`,
    state,
    /** All PRs of a repository, as the API holds them. */
    pulls: (slug) => state.pulls.get(slug) ?? [],
    comments: (slug, n) => state.comments.get(`${slug}#${n}`) ?? [],
    /** Repository metadata for listings and repos.get (merged into what is there). */
    setRepo: (slug, meta = {}) => state.repos.set(slug, { ...(state.repos.get(slug) ?? {}), ...meta, slug, owner: slug.split('/')[0] }),
    /** The next `times` (default 1) requests matching `path` get this answer; returns the fault (its `hits`). */
    fault: ({ kind = 'api', method, path: p, status, headers, body, times = 1 }) => {
      const f = { kind, method, path: p, status, headers, body, times, hits: 0 };
      state.faults.push(f);
      return f;
    },
    afterGit: (fn) => state.afterGit.push(fn),
    /** What a maintainer does to a PR on GitHub: `{ state: 'closed' }`, or merged (`{ merged: true }`, which closes it). */
    setPull: (slug, number, change) => {
      const pr = (state.pulls.get(slug) ?? []).find((p) => p.number === number);
      if (!pr) throw new Error(`no PR #${number} in ${slug}`);
      if (change.state) pr.state = change.state;
      if (change.merged) Object.assign(pr, { state: 'closed', merged_at: change.mergedAt ?? '2026-01-01T00:00:00Z' });
      return pr;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [root, , token] = process.argv.slice(2);
  const s = await startStandIn({ root: path.resolve(root ?? '.'), token: token ?? 'test-token' });
  process.stdout.write(`GITHUB_SERVER_URL=${s.url}\nGITHUB_API_URL=${s.apiUrl}\n`);
  process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
}
