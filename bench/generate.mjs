#!/usr/bin/env node
// Generate a synthetic, deterministic repository for benchmarking autopack-fix.
//
//   node bench/generate.mjs --files N --out DIR [--seed S]
//
// The repository is mostly Markdown, with Python packages, service directories that each hold
// a compose set (docker-compose.yml + docker-compose.dev.yml [+ docker-compose.prod.yml]), a
// multi-stage Dockerfile and a small FastAPI package, plus YAML/JSON/TOML config. About one
// compose set in 50 carries one injected drift of a kind the tool detects (at least one of each
// kind is always injected). The injected drift is listed in DIR/.bench-manifest.json, which is
// excluded through .git/info/exclude so the tool never sees it. DIR becomes a git repository
// with a single commit made with a fixed identity and date (same seed => same commit id).

import { mkdirSync, writeFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATOR_VERSION = 5;

export const DRIFT_KINDS = ['compose-unknown-service', 'compose-missing-build-target', 'compose-stale-app-target', 'compose-undeclared-volume'];

/* ------------------------------------------------------------------ randomness */

function hashSeed(s) {
  let h = 2166136261 >>> 0;
  for (const ch of String(s)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(hashSeed(seed));
  }
  float() {
    return this.next();
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
  shuffle(list) {
    const a = [...list];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/* ------------------------------------------------------------------ vocabulary */

const ADJ = ['amber', 'brisk', 'cobalt', 'dusty', 'eager', 'fuzzy', 'gentle', 'hollow', 'ivory', 'jolly', 'keen', 'lunar', 'mellow', 'nimble', 'olive', 'plain', 'quiet', 'rapid', 'silver', 'tidy', 'umber', 'vivid', 'windy', 'young', 'zesty', 'bold', 'calm', 'deep', 'early', 'frosty'];
const NOUN = ['orders', 'billing', 'catalog', 'invoices', 'ledger', 'search', 'payments', 'accounts', 'reports', 'inventory', 'shipping', 'notify', 'profiles', 'pricing', 'audit', 'metrics', 'sessions', 'tickets', 'uploads', 'webhooks', 'exports', 'quotes', 'refunds', 'tenants', 'routing', 'scoring', 'alerts', 'feeds', 'ratings', 'returns'];
const SUFFIX = ['api', 'svc', 'service', 'gateway', 'worker', 'backend', 'core', 'app'];
const GROUPS = ['commerce', 'platform', 'data', 'identity', 'ops', 'growth', 'finance', 'support'];
const DOC_SECTIONS = ['guides', 'reference', 'runbooks', 'adr', 'onboarding', 'architecture', 'howto', 'api', 'operations', 'releases'];
const WORDS = (
  'the service request handler queue database cache token deploy pipeline config value schema migration index replica shard latency ' +
  'throughput retry backoff timeout endpoint payload header session worker scheduler container image volume network secret policy ' +
  'tenant account invoice order report metric alert threshold dashboard rollout canary feature flag environment staging production ' +
  'local developer review build test coverage lint format module package dependency version release changelog incident postmortem ' +
  'we should must can will may is are was be been has have uses reads writes returns sends stores runs starts stops handles checks ' +
  'a an of to in for on with by from at as and or but not when then if each every all some any new old first last fast slow safe'
).split(' ');
const CAP_WORDS = ['Overview', 'Setup', 'Configuration', 'Deployment', 'Troubleshooting', 'Usage', 'Background', 'Design', 'Notes', 'Migration', 'Testing', 'Monitoring', 'Security', 'Limits', 'FAQ'];

/* ------------------------------------------------------------------ writer */

class Writer {
  constructor(root) {
    this.root = root;
    this.dirs = new Set();
    this.paths = [];
    this.bytes = 0;
  }
  write(rel, text) {
    const abs = path.join(this.root, rel);
    const dir = path.dirname(abs);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    writeFileSync(abs, text);
    this.paths.push(rel);
    this.bytes += Buffer.byteLength(text);
  }
  get count() {
    return this.paths.length;
  }
}

/* ------------------------------------------------------------------ text helpers */

function sentence(rng) {
  const n = rng.int(6, 18);
  const w = [];
  for (let i = 0; i < n; i++) w.push(rng.pick(WORDS));
  const s = w.join(' ');
  return `${s[0].toUpperCase()}${s.slice(1)}${rng.chance(0.1) ? '?' : '.'}`;
}

function paragraph(rng, min = 2, max = 7) {
  const n = rng.int(min, max);
  const out = [];
  for (let i = 0; i < n; i++) out.push(sentence(rng));
  return out.join(' ');
}

function title(rng) {
  return `${rng.pick(CAP_WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
}

function pyIdent(rng) {
  return `${rng.pick(['get', 'load', 'build', 'make', 'parse', 'render', 'check', 'sync', 'fetch', 'store', 'compute', 'apply'])}_${rng.pick(NOUN)}${rng.chance(0.3) ? `_${rng.pick(['v2', 'batch', 'async', 'safe', 'raw'])}` : ''}`;
}

function className(rng) {
  const cap = (s) => s[0].toUpperCase() + s.slice(1);
  return `${cap(rng.pick(ADJ))}${cap(rng.pick(NOUN))}${rng.pick(['Model', 'Service', 'Repository', 'Client', 'Handler', 'Config', 'Error', 'Result'])}`;
}

/* ------------------------------------------------------------------ python */

function pythonModule(rng, pkg, opts = {}) {
  const lines = [`"""${sentence(rng)}"""`, '', 'from __future__ import annotations', ''];
  const imports = ['from dataclasses import dataclass', 'from typing import Any', ...rng.shuffle(['import logging', 'import os', 'import json', 'from pathlib import Path', 'import time', 'import re']).slice(0, rng.int(0, 3))].sort();
  lines.push(...imports);
  if (opts.app) lines.push('', 'from fastapi import FastAPI');
  if (rng.chance(0.3)) lines.push(`import ${pkg}`);
  lines.push('');
  if (imports.includes('import logging')) lines.push('logger = logging.getLogger(__name__)');
  lines.push(`${rng.pick(['DEFAULT', 'MAX', 'MIN'])}_${rng.pick(NOUN).toUpperCase()} = ${rng.int(1, 5000)}`, '');
  if (opts.app) lines.push('', `app = FastAPI(title="${pkg}", version="0.${rng.int(1, 40)}.${rng.int(0, 9)}")`, '');
  const units = opts.size ?? rng.int(1, 8);
  for (let u = 0; u < units; u++) {
    if (rng.chance(0.35)) {
      lines.push('', '@dataclass', `class ${className(rng)}:`, `    """${sentence(rng)}"""`, '');
      for (let f = rng.int(2, 6); f > 0; f--) lines.push(`    ${rng.pick(NOUN)}_${rng.pick(['id', 'name', 'count', 'total', 'at'])}: ${rng.pick(['int', 'str', 'float', 'bool', 'Any'])} = ${rng.pick(['0', '""', '0.0', 'False', 'None'])}`);
      lines.push('');
    } else {
      const fn = pyIdent(rng);
      if (opts.app && rng.chance(0.5)) lines.push('', `@app.${rng.pick(['get', 'post', 'put'])}("/${rng.pick(NOUN)}/{item_id}")`);
      else lines.push('');
      lines.push(`${opts.app ? 'async ' : ''}def ${fn}(item_id: int, payload: dict[str, Any] | None = None) -> dict[str, Any]:`, `    """${sentence(rng)}"""`);
      for (let s = rng.int(2, 10); s > 0; s--) {
        lines.push(rng.pick([
          `    value = (payload or {}).get("${rng.pick(WORDS)}", ${rng.int(0, 99)})`,
          `    if item_id > ${rng.int(1, 1000)}:`,
          `        item_id -= ${rng.int(1, 9)}`,
          `    result = {"id": item_id, "${rng.pick(NOUN)}": ${rng.int(0, 9)}}`,
          `    # ${sentence(rng)}`,
          `    items = [x * ${rng.int(2, 7)} for x in range(${rng.int(1, 30)})]`,
        ]));
      }
      lines.push('    return {"id": item_id}', '');
    }
  }
  return `${lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n')}\n`;
}

/* ------------------------------------------------------------------ markdown */

function codeFence(rng, ctx) {
  const svc = ctx.services.length ? rng.pick(ctx.services) : undefined;
  const kind = rng.int(0, 6);
  if (kind === 0 && svc) {
    return ['```bash', `cd ${svc.dir}`, 'docker compose up --build', '```'];
  }
  if (kind === 1 && svc) {
    return ['```bash', `docker compose -f ${svc.dir}/docker-compose.yml -f ${svc.dir}/docker-compose.dev.yml up -d`, `docker compose -f ${svc.dir}/docker-compose.yml logs -f api`, '```'];
  }
  if (kind === 2 && svc) {
    return ['```bash', `cd ${svc.dir}`, 'pip install -r requirements.txt', `PYTHONPATH=src uvicorn ${svc.pkg}.main:app --port 8000 --reload`, '```'];
  }
  if (kind === 3 && ctx.libs.length) {
    const lib = rng.pick(ctx.libs);
    return ['```python', `from ${lib.pkg} import ${lib.modules[0] ?? 'core'}`, '', `result = ${lib.modules[0] ?? 'core'}.${pyIdent(rng)}(${rng.int(1, 99)})`, 'print(result)', '```'];
  }
  if (kind === 4) {
    return ['```yaml', `${rng.pick(NOUN)}:`, `  enabled: ${rng.chance(0.5)}`, `  retries: ${rng.int(1, 9)}`, `  timeout_seconds: ${rng.int(5, 120)}`, '```'];
  }
  if (kind === 5) {
    if (!svc) return ['```console', '$ make test', '```'];
    return ['```console', `$ cd ${svc.dir}`, '$ docker compose up -d', `$ PYTHONPATH=src uvicorn ${svc.pkg}.main:app --port 8000`, `INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)`, '```'];
  }
  return ['```json', JSON.stringify({ name: rng.pick(NOUN), replicas: rng.int(1, 6), tags: [rng.pick(WORDS), rng.pick(WORDS)] }, null, 2), '```'];
}

function link(rng, ctx, fromDir) {
  const r = rng.int(0, 3);
  if (r === 0 && ctx.docs.length) {
    const target = rng.pick(ctx.docs);
    return `[${title(rng)}](${path.posix.relative(fromDir, target) || path.posix.basename(target)})`;
  }
  if (r === 1 && ctx.services.length) {
    const svc = rng.pick(ctx.services);
    return `[${svc.name} README](${path.posix.relative(fromDir, `${svc.dir}/README.md`)})`;
  }
  if (r === 2) return `[${rng.pick(WORDS)} docs](https://docs.example.com/${rng.pick(NOUN)}/${rng.pick(WORDS)})`;
  return `[${rng.pick(WORDS)} reference](https://example.com/${rng.pick(WORDS)}/${rng.pick(NOUN)})`;
}

function markdownDoc(rng, ctx, rel) {
  const dir = path.posix.dirname(rel);
  // Sizes: mostly small, some medium, a few large, very rarely huge (still under the 4 MiB cap).
  const r = rng.float();
  const sections = r < 0.6 ? rng.int(1, 3) : r < 0.9 ? rng.int(4, 12) : r < 0.995 ? rng.int(15, 60) : rng.int(200, 500);
  const lines = [`# ${title(rng)}`, '', paragraph(rng, 1, 3), ''];
  const withFences = rng.chance(0.35);
  for (let s = 0; s < sections; s++) {
    lines.push(`## ${title(rng)}`, '');
    for (let p = rng.int(1, 4); p > 0; p--) {
      let para = paragraph(rng);
      if (rng.chance(0.4)) para += ` See ${link(rng, ctx, dir)}.`;
      lines.push(para, '');
    }
    if (rng.chance(0.25)) {
      for (let i = rng.int(2, 6); i > 0; i--) lines.push(`- ${sentence(rng)}`);
      lines.push('');
    }
    if (withFences && rng.chance(0.6)) lines.push(...codeFence(rng, ctx), '');
    if (rng.chance(0.05)) lines.push('| key | value |', '| --- | --- |', ...Array.from({ length: rng.int(2, 8) }, () => `| ${rng.pick(WORDS)} | ${rng.int(0, 9999)} |`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/* ------------------------------------------------------------------ service (compose set) */

function dockerfile(rng, svc) {
  const py = rng.pick(['3.11', '3.12', '3.13']);
  const lines = [
    '# syntax=docker/dockerfile:1',
    `# ${svc.name}: multi-stage image (base -> builder -> runtime${svc.devStage ? ' -> dev' : ''})`,
    '',
    `FROM python:${py}-slim AS base`,
    'WORKDIR /app',
    'ENV PYTHONDONTWRITEBYTECODE=1 \\',
    '    PYTHONUNBUFFERED=1',
    '',
    'FROM base AS builder',
    'RUN apt-get update \\',
    '    && apt-get install -y --no-install-recommends build-essential libpq-dev \\',
    '    && rm -rf /var/lib/apt/lists/*',
    'COPY requirements.txt .',
    'RUN pip install --no-cache-dir --prefix=/install -r requirements.txt',
    '',
    'FROM base AS runtime',
    'COPY --from=builder /install /usr/local',
    'COPY src/ ./src/',
    ...(svc.hasConfig ? ['COPY config/ ./config/'] : []),
    'ENV PYTHONPATH=/app/src',
    'EXPOSE 8000',
    `CMD ["uvicorn", "${svc.pkg}.main:app", "--host", "0.0.0.0", "--port", "8000"]`,
  ];
  if (svc.devStage) lines.push('', 'FROM runtime AS dev', 'RUN pip install --no-cache-dir debugpy watchfiles', `CMD ["uvicorn", "${svc.pkg}.main:app", "--host", "0.0.0.0", "--port", "8000", "--reload"]`);
  return `${lines.join('\n')}\n`;
}

function baseCompose(svc) {
  const L = [`# ${svc.name} stack`, `# Usage: docker compose up --build`, 'services:', '  api:', '    build:', '      context: .', '      dockerfile: Dockerfile', '      target: runtime', `    image: registry.example.com/${svc.group}/${svc.name}:latest`, '    ports:', `      - "${svc.port}:8000"`, '    environment:'];
  if (svc.db) L.push(`      DATABASE_URL: postgresql://app:app@db:5432/${svc.pkg}`);
  if (svc.redis) L.push('      REDIS_URL: redis://redis:6379/0');
  L.push(`      SERVICE_NAME: ${svc.name}`);
  const deps = [svc.db && 'db', svc.redis && 'redis'].filter(Boolean);
  if (deps.length) L.push('    depends_on:', ...deps.map((d) => `      - ${d}`));
  L.push('    restart: unless-stopped');
  if (svc.worker) {
    L.push('', '  worker:', '    build:', '      context: .', '      target: runtime', `    command: ["python", "-m", "${svc.pkg}.worker"]`);
    if (svc.redis) L.push('    depends_on: [redis]');
  }
  if (svc.db) {
    L.push('', '  db:', `    image: postgres:${svc.pgVersion}-alpine`, '    environment:', '      POSTGRES_USER: app', '      POSTGRES_PASSWORD: app', `      POSTGRES_DB: ${svc.pkg}`, '    volumes:', '      - db_data:/var/lib/postgresql/data', '    healthcheck:', '      test: ["CMD-SHELL", "pg_isready -U app"]', '      interval: 5s', '      retries: 10');
  }
  if (svc.redis) L.push('', '  redis:', '    image: redis:7-alpine', ...(svc.redisVolume ? ['    volumes:', '      - redis_data:/data'] : []));
  const vols = [svc.db && 'db_data', svc.redis && svc.redisVolume && 'redis_data'].filter(Boolean);
  if (vols.length) L.push('', 'volumes:', ...vols.map((v) => `  ${v}:`));
  return `${L.join('\n')}\n`;
}

/** The dev override; `drift` (one of DRIFT_KINDS or undefined) injects exactly one problem. */
function devCompose(rng, svc, drift) {
  const L = ['# Development overrides: hot reload + source mounts.', '# Usage: docker compose -f docker-compose.yml -f docker-compose.dev.yml up --build', 'services:', '  api:'];
  if (drift === 'compose-missing-build-target') L.push('    build:', '      target: development');
  else if (svc.devStage) L.push('    build:', '      target: dev');
  let target = `${svc.pkg}.main:app`;
  if (drift === 'compose-stale-app-target') target = svc.staleVariant === 'module' ? `${svc.pkg}.server:app` : `${svc.pkg}.main:application`;
  switch (svc.commandForm) {
    case 'string':
      L.push(`    command: uvicorn ${target} --reload --host 0.0.0.0 --port 8000`);
      break;
    case 'folded':
      L.push('    # Reload on code changes (source is bind-mounted below)', '    command: >', `      uvicorn ${target}`, '      --reload', '      --host 0.0.0.0', '      --port 8000');
      break;
    case 'list':
      L.push(`    command: ["uvicorn", "${target}", "--reload", "--host", "0.0.0.0", "--port", "8000"]`);
      break;
    case 'sh':
      L.push(`    command: sh -c "alembic upgrade head && uvicorn ${target} --reload --host 0.0.0.0 --port 8000"`);
      break;
    default:
      L.push(`    command: python -m uvicorn ${target} --reload --host 0.0.0.0 --port 8000`);
  }
  L.push('    volumes:', '      - ./src:/app/src');
  if (svc.devCacheVolume) L.push('      - api_cache:/root/.cache');
  if (drift === 'compose-undeclared-volume') L.push('      - pip_cache:/root/.cache/pip');
  L.push('    environment:', '      - LOG_LEVEL=debug', '      - PYTHONDONTWRITEBYTECODE=1');
  if (svc.db) {
    const name = drift === 'compose-unknown-service' ? 'postgres' : 'db';
    L.push('', '  # Expose the database to host tools (psql, DBeaver)', `  ${name}:`, '    environment:', '      POSTGRES_PASSWORD: dev_password', '    ports:', `      - "${5432 + (svc.index % 50)}:5432"`);
  }
  if (svc.redis && rng.chance(0.5)) L.push('', '  redis:', '    ports:', '      - "6379:6379"');
  if (svc.devCacheVolume) L.push('', 'volumes:', '  api_cache:');
  return `${L.join('\n')}\n`;
}

function prodCompose(svc) {
  return [
    '# Production overrides',
    'services:',
    '  api:',
    `    command: gunicorn -k uvicorn.workers.UvicornWorker -w 4 -b 0.0.0.0:8000 ${svc.pkg}.main:app`,
    '    restart: always',
    '    deploy:',
    '      replicas: 3',
    '',
  ].join('\n');
}

function writeService(w, rng, ctx, svc, drift) {
  const d = svc.dir;
  w.write(`${d}/Dockerfile`, dockerfile(rng, svc));
  w.write(`${d}/docker-compose.yml`, baseCompose(svc));
  w.write(`${d}/docker-compose.dev.yml`, devCompose(rng, svc, drift));
  if (svc.prod) w.write(`${d}/docker-compose.prod.yml`, prodCompose(svc));
  w.write(`${d}/.dockerignore`, '.git\n__pycache__/\n*.pyc\n.venv/\ntests/\n');
  w.write(`${d}/requirements.txt`, ['fastapi==0.115.6', 'uvicorn[standard]==0.34.0', svc.db && 'psycopg[binary]==3.2.3', svc.db && 'alembic==1.14.0', svc.redis && 'redis==5.2.1', 'pydantic-settings==2.7.0'].filter(Boolean).join('\n') + '\n');
  w.write(`${d}/README.md`, [`# ${svc.name}`, '', paragraph(rng), '', '## Run locally', '', '```bash', 'docker compose -f docker-compose.yml -f docker-compose.dev.yml up --build', '```', '', 'Or without Docker:', '', '```bash', 'PYTHONPATH=src uvicorn ' + `${svc.pkg}.main:app --port 8000 --reload`, '```', ''].join('\n'));
  const p = `${d}/src/${svc.pkg}`;
  w.write(`${p}/__init__.py`, `"""${svc.name}."""\n\n__version__ = "0.${svc.index % 40}.0"\n`);
  w.write(`${p}/main.py`, pythonModule(rng, svc.pkg, { app: true, size: rng.int(2, 6) }));
  w.write(`${p}/settings.py`, pythonModule(rng, svc.pkg, { size: 1 }));
  if (svc.worker) w.write(`${p}/worker.py`, pythonModule(rng, svc.pkg, { size: rng.int(1, 4) }));
  w.write(`${p}/api/__init__.py`, '');
  for (let i = 0; i < svc.extraModules; i++) w.write(`${p}/api/${rng.pick(NOUN)}_${i}.py`, pythonModule(rng, svc.pkg));
  w.write(`${d}/tests/test_main.py`, `from fastapi.testclient import TestClient\n\nfrom ${svc.pkg}.main import app\n\n\ndef test_app_starts() -> None:\n    assert TestClient(app) is not None\n`);
  if (svc.hasConfig) w.write(`${d}/config/settings.yaml`, `service: ${svc.name}\nlog_level: info\nfeatures:\n  ${rng.pick(NOUN)}: ${rng.chance(0.5)}\n  ${rng.pick(NOUN)}: ${rng.chance(0.5)}\n`);
}

function writeInfra(w, rng, dir, index) {
  w.write(`${dir}/docker-compose.yml`, [
    `# Observability stack ${index}`,
    'services:',
    '  prometheus:',
    '    image: prom/prometheus:v2.55.1',
    '    volumes:',
    '      - ./prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    '      - prom_data:/prometheus',
    '  grafana:',
    '    image: grafana/grafana:11.4.0',
    '    depends_on: [prometheus]',
    '    volumes:',
    '      - grafana_data:/var/lib/grafana',
    '',
    'volumes:',
    '  prom_data:',
    '  grafana_data:',
    '',
  ].join('\n'));
  w.write(`${dir}/docker-compose.dev.yml`, `services:\n  grafana:\n    ports:\n      - "${3000 + index}:3000"\n    environment:\n      GF_AUTH_ANONYMOUS_ENABLED: "true"\n`);
  w.write(`${dir}/prometheus.yml`, `global:\n  scrape_interval: ${rng.int(5, 60)}s\nscrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: ["api:8000"]\n`);
}

/* ------------------------------------------------------------------ main */

export function generate({ files, out, seed = 1 }) {
  const rng = new Rng(`autopack-bench:${seed}`);
  if (existsSync(out) && readdirSync(out).length > 0) rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const w = new Writer(out);
  const usedNames = new Set();
  const uniqueName = (make) => {
    for (let i = 0; ; i++) {
      const base = make();
      const name = i < 5 ? base : `${base}${i}`;
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };

  // Budget, as shares of N: services ~24%, infra ~0.6%, python libraries 20%, config 6%, docs the rest.
  const avgServiceFiles = 14;
  const nServices = Math.max(4, Math.round((files * 0.24) / avgServiceFiles));
  const nInfra = Math.max(1, Math.round((files * 0.006) / 3));
  const composeSets = nServices + nInfra;
  const nDrift = Math.max(DRIFT_KINDS.length, Math.round(composeSets / 50));
  const driftIdx = rng.shuffle([...Array(nServices).keys()]).slice(0, nDrift).sort((a, b) => a - b);
  const driftOf = new Map(driftIdx.map((idx, k) => [idx, DRIFT_KINDS[k % DRIFT_KINDS.length]]));

  const ctx = { services: [], libs: [], docs: [] };
  const injections = [];

  // Root files.
  w.write('.gitignore', '.venv/\n__pycache__/\n*.pyc\nnode_modules/\n.env\n');
  w.write('.github/dependabot.yml', ['version: 2', 'updates:', ...[['pip', '"/", "/services/*/*"'], ['docker', '"/services/*/*"'], ['docker-compose', '"/services/*/*", "/infra/*"']].map(([eco, dirs]) => `  - package-ecosystem: ${eco}\n    directories: [${dirs}]\n    schedule:\n      interval: weekly`), '  - package-ecosystem: github-actions\n    directory: "/"\n    schedule:\n      interval: weekly', ''].join('\n'));
  w.write('pyproject.toml', '[project]\nname = "synthetic-monorepo"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["fastapi>=0.110", "uvicorn>=0.29"]\n\n[tool.ruff]\nline-length = 120\n');
  w.write('requirements.txt', 'fastapi==0.115.6\nuvicorn[standard]==0.34.0\npydantic==2.10.4\n');
  w.write('.github/workflows/ci.yml', 'name: CI\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n        with:\n          python-version: "3.12"\n      - run: pip install -r requirements.txt\n      - run: pytest -q\n');

  // Services (compose sets).
  for (let i = 0; i < nServices; i++) {
    const group = rng.pick(GROUPS);
    const name = uniqueName(() => `${rng.pick(NOUN)}-${rng.pick(SUFFIX)}`);
    const drift = driftOf.get(i);
    const svc = {
      index: i,
      group,
      name,
      pkg: name.replace(/-/g, '_'),
      dir: `services/${group}/${name}`,
      port: 8000, // each stack runs on its own; docs and commands all say 8000
      db: drift === 'compose-unknown-service' ? true : rng.chance(0.7),
      redis: rng.chance(0.5),
      redisVolume: rng.chance(0.5),
      worker: rng.chance(0.4),
      devStage: rng.chance(0.3),
      devCacheVolume: rng.chance(0.3),
      prod: rng.chance(0.2),
      hasConfig: rng.chance(0.4),
      pgVersion: rng.pick(['15', '16', '17']),
      commandForm: rng.pick(['string', 'folded', 'list', 'sh', 'python-m']),
      staleVariant: rng.pick(['module', 'attr']),
      extraModules: rng.int(1, 7),
    };
    writeService(w, rng, ctx, svc, drift);
    ctx.services.push(svc);
    if (drift) {
      const detail = {
        'compose-unknown-service': 'override names service `postgres`; the base calls it `db` (postgres image)',
        'compose-missing-build-target': 'override sets build.target `development`, which the Dockerfile lacks',
        'compose-stale-app-target': `override command runs \`${svc.staleVariant === 'module' ? `${svc.pkg}.server:app` : `${svc.pkg}.main:application`}\` (${svc.staleVariant === 'module' ? 'missing module' : 'missing attribute'}; command form ${svc.commandForm})`,
        'compose-undeclared-volume': 'override mounts named volume `pip_cache`, declared nowhere',
      }[drift];
      injections.push({ kind: drift, set: svc.dir, file: `${svc.dir}/docker-compose.dev.yml`, detail });
    }
  }
  for (let i = 0; i < nInfra; i++) writeInfra(w, rng, `infra/observability-${i}`, i);
  w.write('README.md', `# Synthetic monorepo (seed ${seed})\n\n${paragraph(rng)}\n\nEvery service under \`services/\` is its own compose stack:\n\n\`\`\`bash\ncd ${ctx.services[0].dir}\ndocker compose up\n\`\`\`\n`);

  // Python library packages under src/.
  const libBudget = Math.round(files * 0.2);
  const libStart = w.count;
  while (w.count - libStart < libBudget) {
    const pkg = uniqueName(() => `${rng.pick(ADJ)}_${rng.pick(NOUN)}`);
    const lib = { pkg, modules: [] };
    const nMods = Math.min(rng.int(4, 30), libBudget - (w.count - libStart));
    w.write(`src/${pkg}/__init__.py`, `"""${sentence(rng)}"""\n`);
    for (let m = 1; m < nMods; m++) {
      const sub = rng.chance(0.3) ? `${rng.pick(['core', 'io', 'util', 'adapters', 'domain'])}/` : '';
      const mod = `${rng.pick(NOUN)}_${m}`;
      const rel = `src/${pkg}/${sub}${mod}.py`;
      if (sub && !w.dirs.has(path.join(out, `src/${pkg}/${sub}`.slice(0, -1)))) {
        w.write(`src/${pkg}/${sub}__init__.py`, '');
        m++;
      }
      w.write(rel, pythonModule(rng, pkg, { app: rng.chance(0.04) }));
      if (!sub) lib.modules.push(mod);
    }
    ctx.libs.push(lib);
  }

  // Config.
  const cfgBudget = Math.round(files * 0.06);
  for (let i = 0; i < cfgBudget; i++) {
    const area = rng.pick(['config', 'config/envs', 'deploy/k8s', 'deploy/helm/values', 'schemas', '.github/workflows']);
    const name = `${rng.pick(NOUN)}-${i}`;
    const kind = area === 'schemas' ? 'json' : rng.pick(['yaml', 'yaml', 'json', 'toml']);
    if (kind === 'json') {
      w.write(`${area}/${name}.json`, `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: name, type: 'object', properties: Object.fromEntries(Array.from({ length: rng.int(2, 12) }, (_, k) => [`${rng.pick(NOUN)}_${k}`, { type: rng.pick(['string', 'integer', 'boolean']) }])) }, null, 2)}\n`);
    } else if (kind === 'toml') {
      w.write(`${area}/${name}.toml`, `[${rng.pick(NOUN)}]\nenabled = ${rng.chance(0.5)}\nretries = ${rng.int(1, 9)}\n\n[${rng.pick(NOUN)}]\nurl = "https://${rng.pick(NOUN)}.example.com"\n`);
    } else {
      const lines = [`# ${sentence(rng)}`, `name: ${name}`, 'settings:'];
      for (let k = rng.int(2, 20); k > 0; k--) lines.push(`  ${rng.pick(NOUN)}_${k}: ${rng.pick([String(rng.int(0, 999)), 'true', 'false', `"${rng.pick(WORDS)}"`])}`);
      w.write(`${area}/${name}.yaml`, `${lines.join('\n')}\n`);
    }
  }

  // Markdown docs fill the rest. Paths are planned first so docs can link to each other.
  const nDocs = Math.max(1, files - w.count);
  const docPaths = [];
  for (let i = 0; i < nDocs; i++) {
    const section = rng.pick(DOC_SECTIONS);
    const sub = `part-${Math.floor(i / 40)}`;
    docPaths.push(`docs/${section}/${sub}/${rng.pick(WORDS)}-${rng.pick(NOUN)}-${i}.md`);
  }
  ctx.docs = docPaths;
  for (const rel of docPaths) w.write(rel, markdownDoc(rng, ctx, rel));

  // Manifest (kept out of git and out of the tool's view through .git/info/exclude).
  const injected = Object.fromEntries(DRIFT_KINDS.map((k) => [k, injections.filter((x) => x.kind === k).length]));
  const manifest = {
    generatorVersion: GENERATOR_VERSION,
    seed: String(seed),
    filesRequested: files,
    filesWritten: w.count,
    bytesWritten: w.bytes,
    composeSets,
    appComposeSets: nServices,
    infraComposeSets: nInfra,
    composeFiles: w.paths.filter((p) => /(^|\/)docker-compose[^/]*\.yml$/.test(p)).length,
    dockerfiles: w.paths.filter((p) => p.endsWith('/Dockerfile')).length,
    pythonFiles: w.paths.filter((p) => p.endsWith('.py')).length,
    markdownFiles: w.paths.filter((p) => p.endsWith('.md')).length,
    injected,
    injectedTotal: injections.length,
    injections,
  };

  // git: fixed identity and dates => reproducible commit id for a given seed and N.
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Bench Generator',
    GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'Bench Generator',
    GIT_COMMITTER_EMAIL: 'bench@example.invalid',
    GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const git = (...args) => execFileSync('git', ['-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  git('init', '-q');
  writeFileSync(path.join(out, '.git', 'info', 'exclude'), '.bench-manifest.json\n');
  git('add', '-A');
  git('commit', '-q', '--no-verify', '-m', `synthetic repository: ${files} files, seed ${seed}`);
  manifest.commit = git('rev-parse', 'HEAD').toString().trim();
  writeFileSync(path.join(out, '.bench-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--files') o.files = Number(argv[++i]);
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--seed') o.seed = argv[++i];
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  if (opts.help || !Number.isInteger(opts.files) || opts.files <= 0 || !opts.out) {
    process.stderr.write('usage: node bench/generate.mjs --files N --out DIR [--seed S]\n');
    process.exit(opts.help ? 0 : 2);
  }
  const t0 = performance.now();
  const m = generate({ files: opts.files, out: path.resolve(opts.out), seed: opts.seed ?? '1' });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`generated ${m.filesWritten} files (${(m.bytesWritten / 1048576).toFixed(1)} MiB) in ${secs}s: ${m.composeSets} compose sets, ${m.dockerfiles} Dockerfiles, ${m.pythonFiles} .py, ${m.markdownFiles} .md; injected ${JSON.stringify(m.injected)}; commit ${m.commit}\n`);
}
