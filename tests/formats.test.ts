/** Parsers and models: shell words, server invocations, the Dockerfile model, module resolution. */
import { describe, it, expect } from 'vitest';
import { splitShell, simpleCommands, findServerInvocation, serverInvocations } from '../src/formats/shell.js';
import { parseDockerfile, findStage, isDockerfilePath } from '../src/formats/dockerfile.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { Workspace } from '../src/workspace/workspace.js';
import { parseAppTarget, resolveAppTarget, moduleNamesFor, toRepoPath, type ExecContext } from '../src/facts/python-app.js';
import { pairRemovalSpan, parseYaml } from '../src/formats/yaml.js';
import type { YAMLMap, Pair } from 'yaml';
import { lineStarts, positionAt } from '../src/util/text.js';

describe('line starts', () => {
  it('start after every line feed, a CR of a CRLF staying on its line, a last line with or without its ending', () => {
    expect(lineStarts('')).toEqual([0]);
    expect(lineStarts('a')).toEqual([0]);
    expect(lineStarts('\n')).toEqual([0, 1]);
    expect(lineStarts('ab\r\ncd\n\nef')).toEqual([0, 4, 7, 8]);
    expect(lineStarts('ab\rcd')).toEqual([0]);
    const starts = lineStarts('one\ntwo\r\nthree');
    expect(positionAt(starts, 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt(starts, 4)).toEqual({ line: 2, column: 1 });
    expect(positionAt(starts, 7)).toEqual({ line: 2, column: 4 });
    expect(positionAt(starts, 9)).toEqual({ line: 3, column: 1 });
  });
});

describe('shell words', () => {
  it('splits with quotes, continuations and operators, keeping raw spans', () => {
    const input = `PYTHONPATH=src uvicorn 'a b':c --x="1 2" \\\n  && echo done`;
    const words = splitShell(input);
    expect(words.map((w) => w.value)).toEqual(['PYTHONPATH=src', 'uvicorn', 'a b:c', '--x=1 2', '&&', 'echo', 'done']);
    expect(input.slice(words[2]!.start, words[2]!.end)).toBe(`'a b':c`);
    expect(simpleCommands(words).map((c) => c.map((w) => w.value).join(' '))).toEqual(['PYTHONPATH=src uvicorn a b:c --x=1 2', 'echo done']);
  });

  it('finds the server, its target and what changes the import path', () => {
    const u = findServerInvocation(['PYTHONPATH=src', 'python', '-m', 'uvicorn', 'pkg.main:app', '--app-dir', 'lib', '--port', '8100']);
    expect(u).toMatchObject({ server: 'uvicorn', targetIndex: 4, importDirs: ['lib'], port: { value: '8100', index: 8 } });
    expect(u?.env.get('PYTHONPATH')).toBe('src');
    const g = findServerInvocation(['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', '--bind', '0.0.0.0:8000', '--chdir', '/srv', 'wsgi:application']);
    expect(g).toMatchObject({ server: 'gunicorn', targetIndex: 7, chdir: '/srv' });
    expect(findServerInvocation(['gunicorn', '--bind', 'localhost:8000'])?.targetIndex).toBeUndefined();
    expect(findServerInvocation(['echo', 'uvicorn', 'a:b'])).toBeUndefined();
    expect(findServerInvocation(['pip', 'install', 'uvicorn'])).toBeUndefined();
    expect(findServerInvocation(['python', 'manage.py', 'runserver'])).toBeUndefined();
  });
});

describe('server invocations', () => {
  it('looks through sh -c and turns an earlier cd into the working directory', () => {
    const found = serverInvocations(['sh', '-c', 'cd src && exec uvicorn main:app --reload; echo done']);
    expect(found.map((f) => [f.argv[f.inv.targetIndex ?? -1], f.inv.chdir])).toEqual([['main:app', 'src']]);
  });
});

describe('Dockerfile paths', () => {
  it('are Dockerfiles by docker build naming, not source, docs or templates named after them', () => {
    const names = ['Dockerfile', 'api/Dockerfile.dev', 'Dockerfile-prod', 'dev.Dockerfile', 'Containerfile', 'dockerfile', 'src/formats/dockerfile.ts', 'lib/dockerfile.py', 'docs/Dockerfile.md', 'Dockerfile.j2', 'Dockerfile.tmpl', 'x.dockerfile.json', 'Dockerfiles/README'];
    expect(names.filter(isDockerfilePath)).toEqual(['Dockerfile', 'api/Dockerfile.dev', 'Dockerfile-prod', 'dev.Dockerfile', 'Containerfile', 'dockerfile']);
  });
});

describe('Dockerfile model', () => {
  const text = [
    'ARG BASE=python:3.12',
    'FROM ${BASE} AS Base',
    'WORKDIR /app',
    'ENV PYTHONPATH=/app/src APP_HOME=/app',
    'FROM base AS build',
    'WORKDIR sub',
    'COPY --chown=app:app --from=0 src/ ./src/',
    'COPY --link ["requirements.txt", "./"]',
    'EXPOSE 8000/tcp',
    'CMD ["uvicorn", "pkg.main:app"]',
    'FROM nginx:1.27',
    'WORKDIR $NOPE/www',
    '',
  ].join('\n');
  const model = parseDockerfile(new SourceFile('Dockerfile', text, false));

  it('names stages case-insensitively and by index, inheriting WORKDIR and ENV from FROM <stage>', () => {
    expect(model.error).toBeNull();
    expect(model.stages.map((s) => [s.index, s.name, s.workdir])).toEqual([[0, 'base', '/app'], [1, 'build', '/app/sub'], [2, undefined, '/www']]);
    expect(findStage(model, 'BASE')?.index).toBe(0);
    expect(findStage(model, '1')?.name).toBe('build');
    expect(model.stages[1]?.env.get('PYTHONPATH')).toBe('/app/src');
  });

  it('reads every COPY flag, exec-form sources, CMD words with their spans, EXPOSE', () => {
    const [copy, json] = model.stages[1]!.copies;
    expect(copy).toMatchObject({ from: '0', workdir: '/app/sub', flags: [{ name: 'chown', value: 'app:app' }, { name: 'from', value: '0' }] });
    expect(copy!.sources.map((s) => s.value)).toEqual(['src/']);
    expect(json!.sources.map((s) => s.value)).toEqual(['requirements.txt']);
    const cmd = model.stages[1]!.commands[0]!;
    expect(cmd.form).toBe('exec');
    expect(cmd.words.map((w) => text.slice(w.start, w.end))).toEqual(['uvicorn', 'pkg.main:app']);
    expect(model.stages[1]!.exposes.map((w) => w.value)).toEqual(['8000/tcp']);
  });

  it('reports a file with no FROM', () => {
    expect(parseDockerfile(new SourceFile('Dockerfile', 'RUN echo hi\n', false)).error?.message).toBe('RUN before the first FROM');
  });
});

describe('module resolution', () => {
  const ws = Workspace.fromFiles('/r', {
    'src/pkg/__init__.py': '',
    'src/pkg/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    'src/pkg/star.py': 'from .main import *\n',
    'requirements.txt': 'fastapi\nmlflow==2.0\n',
  });
  const ctx: ExecContext = { roots: ['/app', '/app/src'], mappings: [{ container: '/app/src', repo: 'src', dir: true }] };

  it('maps container paths to repo files through the longest mapping', () => {
    expect(toRepoPath(ctx, '/app/src/pkg/main.py')).toBe('src/pkg/main.py');
    expect(toRepoPath(ctx, '/app/other.py')).toBeUndefined();
    // Importable both ways (the cwd root sees `src` as a namespace package); shortest first.
    expect(moduleNamesFor(ctx, 'src/pkg/main.py')).toEqual(['pkg.main', 'src.pkg.main']);
  });

  it('says ok, missing, or unknown (star import, installed dependency, unmapped)', async () => {
    const status = async (t: string, c = ctx): Promise<string> => (await resolveAppTarget(ws, c, parseAppTarget(t)!)).status;
    expect(await status('pkg.main:app')).toBe('ok');
    expect(await status('pkg.main:application')).toBe('missing');
    expect(await status('pkg.api:app')).toBe('missing');
    expect(await status('pkg.star:app')).toBe('unknown');
    expect(await status('mlflow.server:app')).toBe('unknown');
    expect(await status('pkg.main:app', { roots: ['/elsewhere'], mappings: ctx.mappings })).toBe('unknown');
    expect(parseAppTarget('0.0.0.0:8000')).toBeUndefined();
    expect(parseAppTarget('pkg:create_app()')).toEqual({ module: 'pkg', attr: 'create_app' });
  });
});

describe('YAML pair removal', () => {
  it('removes a block pair with its trailing comment, or a flow pair with its comma', () => {
    const text = 'build:\n  context: .\n  target: dev # old\n  args: { A: 1, target: x }\n';
    const parsed = parseYaml(new SourceFile('c.yml', text, false));
    const build = parsed.doc.get('build') as YAMLMap;
    const target = build.items[1] as Pair;
    const [s, e] = pairRemovalSpan(text, build, target)!;
    expect(text.slice(0, s) + text.slice(e)).toBe('build:\n  context: .\n  args: { A: 1, target: x }\n');
    const args = build.get('args') as YAMLMap;
    const [fs, fe] = pairRemovalSpan(text, args, args.items[1] as Pair)!;
    expect(text.slice(0, fs) + text.slice(fe)).toBe('build:\n  context: .\n  target: dev # old\n  args: { A: 1 }\n');
  });
});
