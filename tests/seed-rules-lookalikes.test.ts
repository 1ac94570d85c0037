/**
 * Look-alikes of the seed cases 1.2 and 1.7 on small in-memory repositories (the rule tester):
 * what counts as a use of an outDir, and how the consumers of a key set decide whether
 * normalising its entries is safe. The realistic layouts are golden folders.
 */
import { describe, expect, it } from 'vitest';
import { ruleTester } from './helpers/rule-tester.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { analyzePythonTree } from '../src/formats/python-tree.js';
import { absorbs, normalizerFrom } from '../codemods/redaction-key-normalization/normalize.js';
import { keyVariants } from '../codemods/redaction-key-normalization/contract-test.js';

const VITE = 'export default { build: { outDir: "dist/frontend" } };\n';
const PKG = '{ "name": "ui", "scripts": { "build": "vite build" } }\n';
const DOCKERFILE = [
  'FROM node:20-alpine AS build',
  'WORKDIR /app',
  'COPY package.json vite.config.js ./',
  'RUN npm run build',
  '',
  'FROM nginx:1.25-alpine',
  'COPY --from=build /app/dist /usr/share/nginx/html',
  '',
].join('\n');
const SEED = { 'Dockerfile': DOCKERFILE, 'vite.config.js': VITE, 'package.json': PKG };
const TO_DIST = { 'vite.config.js': 'export default { build: { outDir: "dist" } };\n' };

ruleTester('dockerfile-copy-outdir', {
  valid: [],
  invalid: [
    {
      name: 'a rotated log and a release-notes folder are records, not uses',
      files: { ...SEED, 'var/build.log.1': 'dist/frontend/index.html 0.4 kB\n', 'docs/releases/0.4.md': 'The UI now builds into `dist/frontend`.\n' },
      errors: [{ safety: 'safe', message: /nothing else in the repository uses `dist\/frontend`/ }],
      output: TO_DIST,
    },
    {
      name: 'an ignore list names the output but does not consume it',
      files: { ...SEED, '.dockerignore': 'node_modules\ndist/frontend\n' },
      errors: [{ safety: 'safe' }],
      output: TO_DIST,
    },
    {
      name: 'a history-named script still runs: it is a use',
      files: { ...SEED, 'scripts/upload_history.sh': '#!/bin/sh\naws s3 sync dist/frontend/ s3://bucket/\n' },
      errors: [{ safety: null, message: /also used in scripts\/upload_history\.sh/ }],
      output: null,
      reason: 'the image copies the parent of the output and a script uses the nested path: the layout may be intended',
    },
    {
      name: 'a history-named document is a record',
      files: { ...SEED, 'docs/DEPLOY_HISTORY.md': '- 2025-02: outDir moved to `dist/frontend`.\n' },
      errors: [{ safety: 'safe' }],
      output: TO_DIST,
    },
  ],
});

const SENSITIVE = 'SENSITIVE_HEADERS = {"authorization", "x-api-key"}\n';
const HELPER = '\n\ndef _is_sensitive_key(key):\n    normalized = key.lower().replace("-", "_")\n    return normalized in SENSITIVE_HEADERS\n';

ruleTester('redaction-key-normalization', {
  valid: [
    {
      name: 'a set imported from a module that is not in the repository',
      files: { 'app/redact.py': 'from vendorlib.constants import SENSITIVE_HEADERS\n\n\ndef is_secret(k):\n    return k.lower().replace("-", "_") in SENSITIVE_HEADERS\n' },
    },
  ],
  invalid: [
    {
      name: 'a raw test covered by `or helper(key)` loses nothing: safe',
      files: { 'redact.py': `${SENSITIVE}${HELPER}\n\ndef is_header_secret(name):\n    return name in SENSITIVE_HEADERS or _is_sensitive_key(name)\n` },
      errors: [{ safety: 'safe', message: /never matches in _is_sensitive_key\(\).*is_header_secret\(\) with the key as it is matches it/ }],
      output: { 'redact.py': `${SENSITIVE.replace('x-api-key', 'x_api_key')}${HELPER}\n\ndef is_header_secret(name):\n    return name in SENSITIVE_HEADERS or _is_sensitive_key(name)\n` },
    },
    {
      name: 'the helper in the `or` reads another set: the `.lower()` test would leak, so it is rewritten (review)',
      files: { 'redact.py': `${SENSITIVE}OTHER_SECRETS = {"password"}${HELPER}\n\ndef _is_other(key):\n    return key.lower() in OTHER_SECRETS\n\n\ndef is_header_secret(name):\n    return name.lower() in SENSITIVE_HEADERS or _is_other(name)\n` },
      errors: [{ safety: 'review', message: /is_header_secret\(\) matches "x-api-key" today and would stop, so its test becomes `name\.lower\(\)\.replace\("-", "_"\) in SENSITIVE_HEADERS`/ }],
      output: {
        'redact.py': `${SENSITIVE.replace('x-api-key', 'x_api_key')}OTHER_SECRETS = {"password"}${HELPER}\n\ndef _is_other(key):\n    return key.lower() in OTHER_SECRETS\n\n\ndef is_header_secret(name):\n    return name.lower().replace("-", "_") in SENSITIVE_HEADERS or _is_other(name)\n`,
      },
    },
    {
      name: 'the helper is called with another value: no cover (review)',
      files: { 'redact.py': `${SENSITIVE}${HELPER}\n\ndef pick(name, alias):\n    return name.lower() in SENSITIVE_HEADERS or _is_sensitive_key(alias)\n` },
      errors: [{ safety: 'review', message: /pick\(\) matches "x-api-key" today and would stop/ }],
      output: { 'redact.py': `${SENSITIVE.replace('x-api-key', 'x_api_key')}${HELPER}\n\ndef pick(name, alias):\n    return name.lower().replace("-", "_") in SENSITIVE_HEADERS or _is_sensitive_key(alias)\n` },
    },
    {
      name: 'a `not in` consumer is not rewritten, and the fix is review',
      files: { 'redact.py': `${SENSITIVE}${HELPER}\n\ndef keep(name):\n    return name.lower() not in SENSITIVE_HEADERS\n` },
      errors: [{ safety: 'review', message: /keep\(\) matches "x-api-key" today and would stop \(a `not in` test\)/ }],
      output: { 'redact.py': `${SENSITIVE.replace('x-api-key', 'x_api_key')}${HELPER}\n\ndef keep(name):\n    return name.lower() not in SENSITIVE_HEADERS\n` },
    },
    {
      name: 'nothing says whether the set denies or allows: review',
      files: { 'lookup.py': 'HEADER_NAMES = ["X-Request-Id"]\n\n\ndef known(h):\n    return h.lower() in HEADER_NAMES\n' },
      errors: [{ safety: 'review', message: /nothing says whether HEADER_NAMES denies or allows/ }],
      output: { 'lookup.py': 'HEADER_NAMES = ["x-request-id"]\n\n\ndef known(h):\n    return h.lower() in HEADER_NAMES\n' },
    },
  ],
});

describe('which normalisation sees through another', () => {
  const steps = async (expr: string) => {
    const file = new SourceFile('m.py', `S = {"a"}\ndef f(k):\n    return ${expr} in S\n`, false);
    return (await analyzePythonTree(file)).membershipTests[0]!.key.steps;
  };

  it('replace after lower sees through lower and through the raw key, not the reverse', async () => {
    const lowerReplace = normalizerFrom(await steps('k.lower().replace("-", "_")'));
    const lower = normalizerFrom(await steps('k.lower()'));
    expect(absorbs(lowerReplace, lower, ['x-api-key'])).toBe(true);
    expect(absorbs(lowerReplace, undefined, ['x-api-key'])).toBe(true);
    expect(absorbs(lower, lowerReplace, ['x-api-key'])).toBe(false);
  });

  it('lower does not see through strip: the padded key differs', async () => {
    expect(absorbs(normalizerFrom(await steps('k.lower()')), normalizerFrom(await steps('k.strip()')), ['a'])).toBe(false);
  });

  it('the contract keys come in mixed case too', () => {
    expect(keyVariants(['x_api_key'])).toEqual(['x_api_key', 'X_API_KEY', 'X_Api_Key', 'x-api-key', 'X-API-KEY', 'X-Api-Key']);
  });
});
