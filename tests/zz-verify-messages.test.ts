import { it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/repo.js';
import { findRule } from '../src/rules/registry.js';
import { renderMessage } from '../src/model/rule.js';

const BASE = process.env.VERIFY_BASE ?? '7b2c8e8';
it('rendered messages equal the old goldens', () => {
  const problems: string[] = [];
  let n = 0;
  for (const ruleId of readdirSync(path.join(ROOT, 'fixtures'))) {
    const dir = path.join(ROOT, 'fixtures', ruleId);
    for (const c of readdirSync(dir)) {
      const file = path.join(dir, c, 'findings.json');
      if (!existsSync(file)) continue;
      const rel = path.relative(ROOT, file);
      let old: Array<Record<string, unknown>>;
      try {
        old = JSON.parse(execFileSync('git', ['show', `${BASE}:${rel}`], { cwd: ROOT, encoding: 'utf8' }));
      } catch {
        problems.push(`no old ${rel}`);
        continue;
      }
      const now = JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>;
      if (now.length !== old.length) problems.push(`${rel}: ${old.length} → ${now.length} findings`);
      now.forEach((f, i) => {
        const o = old[i] as Record<string, unknown>;
        const msg = f.messageId ? renderMessage(findRule(f.ruleId as string)!.meta, f.messageId as string, f.data as Record<string, string>) : f.message;
        n++;
        if (msg !== o.message) problems.push(`${rel}#${i}:\n  old ${o.message}\n  new ${msg}`);
        for (const k of ['ruleId', 'file', 'line', 'column', 'severity']) if (f[k] !== o[k]) problems.push(`${rel}#${i}: ${k}`);
        if (JSON.stringify(f.fix) !== JSON.stringify(o.fix) || JSON.stringify(f.seedIds) !== JSON.stringify(o.seedIds)) problems.push(`${rel}#${i}: fix/seeds`);
        if (f.skipReason && f.fix) problems.push(`${rel}#${i}: skipReason with a fix`);
      });
    }
  }
  console.log(`checked ${n} findings`);
  expect(problems).toEqual([]);
});
