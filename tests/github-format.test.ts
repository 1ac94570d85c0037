import { describe, it, expect } from 'vitest';
import { escapeData, escapeProperty, githubReport } from '../src/report/github.js';
import type { Finding } from '../src/model/types.js';

const base: Finding = { ruleId: 'docs-port-drift', seedIds: ['1.11'], severity: 'warning', file: 'README.md', line: 12, column: 7, message: 'port 8000 is 8100', key: 'k', fix: null };

describe('github annotations', () => {
  it('escapes data and properties like the runner', () => {
    expect(escapeData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('prints one command per finding, sorted, with the level of its severity', () => {
    const findings: Finding[] = [
      { ...base, file: 'web/a,b:c.yml', line: 3, column: 1, severity: 'error', ruleId: 'compose-unknown-service', message: 'unknown service `postgres`\nline two 100%', fix: { safety: 'safe', description: 'rename `postgres` to `db`', edits: [] } },
      base,
      { ...base, severity: 'info', line: 2, column: 1, message: 'no config' },
    ];
    expect(githubReport(findings, { diagnostics: [{ file: 'x.yml', line: 4, kind: 'parse-error', message: 'bad: yaml' }, { file: '', kind: 'note', message: 'ignored' }] })).toBe(
      [
        '::notice file=README.md,line=2,col=1,title=docs-port-drift::no config',
        '::warning file=README.md,line=12,col=7,title=docs-port-drift::port 8000 is 8100',
        '::error file=web/a%2Cb%3Ac.yml,line=3,col=1,title=compose-unknown-service::unknown service `postgres`%0Aline two 100%25 (safe fix: rename `postgres` to `db`)',
        '::warning file=x.yml,line=4,title=autopack-fix parse-error::bad: yaml',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing for no findings', () => {
    expect(githubReport([])).toBe('');
  });
});
