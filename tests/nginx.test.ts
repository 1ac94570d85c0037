/** The nginx reader: exact trees with offsets, nginx's word rules, syntax errors, deep nesting, and which files are nginx. */
import { describe, it, expect } from 'vitest';
import { parseNginxText, walkNginx, nginxPathKind, looksLikeNginx, isNginxFile, type NginxDirective } from '../src/formats/nginx.js';
import { parseProblem, formatOf } from '../src/formats/validate.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { findRule } from '../src/rules/registry.js';
import type { Rule } from '../src/model/rule.js';
import { readdirSync, readFileSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir, removeDir } from './helpers/repo.js';

interface Shape {
  name: string;
  start: number;
  end: number;
  args: Array<[raw: string, value: string, start: number, end: number, variables: Array<[string, number, number]>]>;
  block?: [open: number, close: number];
  children?: Shape[];
}

function shape(d: NginxDirective): Shape {
  return {
    name: d.name,
    start: d.start,
    end: d.end,
    args: d.args.map((a) => [a.raw, a.value, a.start, a.end, a.variables.map((v) => [v.name, v.start, v.end])]),
    ...(d.block ? { block: [d.block.open, d.block.close] as [number, number], children: d.block.children.map(shape) } : {}),
  };
}

describe('the tree', () => {
  it('reads directives, blocks, comments, quotes with escapes and variables with exact offsets', () => {
    const text = '# top\nhttp {\n    include conf.d/*.conf;\n    server {\n        set $a "x\\"y";\n        return 200 \'${a}b\';\n    }\n}\n';
    const tree = parseNginxText(text);
    expect(tree.error).toBeNull();
    expect(tree.comments).toEqual([{ start: 0, end: 5, text: '# top' }]);
    expect(tree.directives.map(shape)).toEqual([
      {
        name: 'http',
        start: 6,
        end: 111,
        args: [],
        block: [11, 110],
        children: [
          { name: 'include', start: 17, end: 39, args: [['conf.d/*.conf', 'conf.d/*.conf', 25, 38, []]] },
          {
            name: 'server',
            start: 44,
            end: 109,
            args: [],
            block: [51, 108],
            children: [
              { name: 'set', start: 61, end: 75, args: [['$a', '$a', 65, 67, [['a', 65, 67]]], ['"x\\"y"', 'x"y', 68, 74, []]] },
              { name: 'return', start: 84, end: 103, args: [['200', '200', 91, 94, []], ["'${a}b'", '${a}b', 95, 102, [['a', 96, 100]]]] },
            ],
          },
        ],
      },
    ]);
    // The offsets point at the source text.
    const server = tree.directives[0]!.block!.children[1]!;
    expect(text.slice(server.start, server.end)).toBe('server {\n        set $a "x\\"y";\n        return 200 \'${a}b\';\n    }');
  });

  it('follows nginx word rules: `#` inside a word, `${` and `}` inside a word, escapes, `)` after a quote, multi-line strings', () => {
    const text = 'a#b c#d; # tail\nrewrite ^/(.*)$ /x/${1}} last;\nx \\;y "two\nlines" \\"q;\nif ($a = "b") { return 204; }\n';
    const tree = parseNginxText(text);
    expect(tree.error).toBeNull();
    expect(tree.comments.map((c) => c.text)).toEqual(['# tail']);
    expect(tree.directives.map((d) => [d.name, ...d.args.map((a) => a.value)])).toEqual([
      ['a#b', 'c#d'],
      ['rewrite', '^/(.*)$', '/x/${1}}', 'last'],
      ['x', '\\;y', 'two\nlines', '"q'],
      ['if', '($a', '=', 'b', ')'],
    ]);
    expect(tree.directives[1]!.args[1]!.variables).toEqual([{ name: '1', start: 35, end: 39 }]);
    expect(tree.directives[3]!.block!.children.map((d) => [d.name, ...d.args.map((a) => a.value)])).toEqual([['return', '204']]);
  });

  it('keeps CRLF out of comments and words', () => {
    const tree = parseNginxText('server {\r\n    # note\r\n    listen 80;\r\n}\r\n');
    expect(tree.error).toBeNull();
    expect(tree.comments).toEqual([{ start: 14, end: 20, text: '# note' }]);
    expect(tree.directives[0]!.block!.children.map(shape)).toEqual([{ name: 'listen', start: 26, end: 36, args: [['80', '80', 33, 35, []]] }]);
  });

  it('skips the Lua body of *_by_lua_block as raw text', () => {
    const text = 'location / {\n  content_by_lua_block {\n    local t = {1, "}"} -- }\n    ngx.say(t[1]) --[[ } ]]\n  }\n  proxy_pass http://b;\n}\n';
    const tree = parseNginxText(text);
    expect(tree.error).toBeNull();
    const [lua, pass] = tree.directives[0]!.block!.children;
    expect([lua!.name, lua!.block!.raw, lua!.block!.children, text.slice(lua!.block!.close, lua!.end)]).toEqual(['content_by_lua_block', true, [], '}']);
    expect(text.slice(lua!.start, lua!.end)).toBe('content_by_lua_block {\n    local t = {1, "}"} -- }\n    ngx.say(t[1]) --[[ } ]]\n  }');
    expect([pass!.name, pass!.args[0]!.value]).toEqual(['proxy_pass', 'http://b']);
  });

  it('walks 10,000 nested blocks without recursion', () => {
    const n = 10_000;
    const tree = parseNginxText(`${'location / {\n'.repeat(n)}proxy_pass http://x;\n${'}\n'.repeat(n)}`);
    expect(tree.error).toBeNull();
    let deepest = 0;
    let count = 0;
    walkNginx(tree.directives, (d, parents) => {
      count++;
      deepest = Math.max(deepest, parents.length);
    });
    expect([count, deepest]).toEqual([n + 1, n]);
  });
});

describe('syntax errors: the first one, with its offset, and the tree read before it', () => {
  const cases: Array<[string, string, number]> = [
    ['}', 'unexpected "}" (no block is open)', 0],
    ['server {\n  listen 80;\n}\n}\n', 'unexpected "}" (no block is open)', 24],
    ['server {\n  listen 80\n}\n', 'unexpected "}" (the "listen" directive has no ";")', 21],
    ['add_header X "a;\n', 'unterminated double-quoted string', 13],
    ["return 200 'x;\n}", 'unterminated single-quoted string', 11],
    ['http {\n  server {\n    listen 80;\n', 'unexpected end of file, expecting "}" to close "server" opened at line 2', 33],
    ['server {\n  listen 80;\n}\ninclude x.conf', 'unexpected end of file, expecting ";" or "}" after "include"', 38],
    ['server {\n  ;\n}', 'unexpected ";"', 11],
    ['{ listen 80; }', 'unexpected "{"', 0],
    ['add_header X "a"b;', 'unexpected "b" after a quoted string', 16],
    ['content_by_lua_block { if x then', 'unexpected end of file, expecting "}" to close "content_by_lua_block" opened at line 1', 32],
  ];
  for (const [text, message, offset] of cases) {
    it(JSON.stringify(text), () => {
      expect(parseNginxText(text).error).toEqual({ message, offset });
    });
  }

  it('keeps what was read before the error, open blocks ending where reading stopped', () => {
    const tree = parseNginxText('events {}\nhttp {\n  server {\n    listen 80;\n');
    expect(tree.directives.map((d) => [d.name, d.start, d.end, d.block?.close])).toEqual([
      ['events', 0, 9, 8],
      ['http', 10, 43, -1],
    ]);
    expect(tree.directives[1]!.block!.children.map((d) => [d.name, d.end, d.block!.children.map((c) => c.name)])).toEqual([['server', 43, ['listen']]]);
  });

  it('reports 10,000 unclosed blocks without overflowing the stack', () => {
    const text = 'a {'.repeat(10_000);
    expect(parseNginxText(text).error).toEqual({ message: 'unexpected end of file, expecting "}" to close "a" opened at line 1', offset: 30_000 });
  });
});

describe('which files are nginx', () => {
  it('by name, by name and content, or not at all', () => {
    const paths = ['nginx.conf', 'deploy/nginx.prod.conf', 'nginx-dev.conf', 'nginx.conf.template', 'site.nginx', 'app.nginx.conf', 'conf.d/default.conf', 'templates/default.conf.template', 'etc/sites-available/default', 'nginx/proxy_params', 'nginx/Dockerfile', 'nginx/README.md', 'supervisord.ini', 'docs/nginx.conf.md', 'default'];
    expect(paths.map((p) => [p, nginxPathKind(p) ?? null])).toEqual([
      ['nginx.conf', 'named'],
      ['deploy/nginx.prod.conf', 'named'],
      ['nginx-dev.conf', 'named'],
      ['nginx.conf.template', 'named'],
      ['site.nginx', 'named'],
      ['app.nginx.conf', 'named'],
      ['conf.d/default.conf', 'candidate'],
      ['templates/default.conf.template', 'candidate'],
      ['etc/sites-available/default', 'candidate'],
      ['nginx/proxy_params', 'candidate'],
      ['nginx/Dockerfile', null],
      ['nginx/README.md', null],
      ['supervisord.ini', null],
      ['docs/nginx.conf.md', null],
      ['default', null],
    ]);
  });

  it('site files named after domains under sites-available/ and sites-enabled/ are candidates', () => {
    const paths = ['etc/nginx/sites-available/app.example.com', 'sites-enabled/api.example.org', 'sites-available/default.old', 'sites-available/README.md', 'sites-available/app.example.com.bak', 'sites-available/.gitkeep', 'conf/app.example.com'];
    expect(paths.map((p) => [p, nginxPathKind(p) ?? null])).toEqual([
      ['etc/nginx/sites-available/app.example.com', 'candidate'],
      ['sites-enabled/api.example.org', 'candidate'],
      ['sites-available/default.old', null],
      ['sites-available/README.md', null],
      ['sites-available/app.example.com.bak', null],
      ['sites-available/.gitkeep', null],
      ['conf/app.example.com', null],
    ]);
  });

  it('a candidate is nginx only when its content looks like nginx', () => {
    const texts: Array<[string, boolean]> = [
      ['server {\n  listen 80;\n}\n', true],
      ['proxy_set_header Host $host;\n', true],
      ['location /api {\n  proxy_pass http://b;\n}\n', true],
      ['include /etc/nginx/conf.d/*.conf;\n', true],
      ['[supervisord]\nnodaemon=true\n\n[program:nginx]\ncommand=nginx -g "daemon off;"\n', false],
      ['[program:api]\nuser = root ; a comment\ncommand = uvicorn app:app\n', false],
      ['akka {\n  http {\n    server {\n      idle-timeout = 60s\n    }\n  }\n}\n', false],
      ['<VirtualHost *:80>\n  ServerName x\n  Include conf/extra/*.conf\n</VirtualHost>\n', false],
      ['/var/log/app/*.log {\n  daily\n  rotate 7\n}\n', false],
      ['bind 127.0.0.1\nport 6379\n', false],
      // Broken nginx still reads as nginx, so its parse warning is not lost.
      ['server {\n  listen 80\n}\n', true],
      ['map $http_upgrade $connection_upgrade {\n  default upgrade;\n}\n', true],
    ];
    expect(texts.map(([t]) => looksLikeNginx(t))).toEqual(texts.map(([, v]) => v));
    expect(isNginxFile(new SourceFile('conf.d/supervisord.conf', texts[4]![0], false))).toBe(false);
    expect(isNginxFile(new SourceFile('conf.d/app.conf', texts[2]![0], false))).toBe(true);
    // A file named nginx.conf is nginx unless its content says otherwise, or it is a template of one.
    expect(isNginxFile(new SourceFile('nginx.conf', 'server {\n  listen 80\n}\n', false))).toBe(true);
    expect(isNginxFile(new SourceFile('nginx.conf', 'user www-data;\npid /run/nginx.pid;\n', false))).toBe(true);
    expect(isNginxFile(new SourceFile('nginx.conf', 'bind 127.0.0.1\n', false))).toBe(false);
    expect(isNginxFile(new SourceFile('roles/web/templates/nginx.conf', 'server {\n  server_name {{ domain }};\n}\n', false))).toBe(false);
    expect(isNginxFile(new SourceFile('templates/default.conf.template', 'server {\n  listen ${NGINX_PORT};\n}\n', false))).toBe(true);
  });

  it('files of other tools called nginx.conf / nginx-*.conf are not nginx: ini sections, logrotate blocks, monit checks', () => {
    const named: Array<[string, string]> = [
      ['fail2ban/filter.d/nginx-http-auth.conf', '[Definition]\n\nfailregex = ^ \\[error\\] \\d+#\\d+: client: <HOST>, server: \\S*;\n\nignoreregex =\n'],
      ['fail2ban/jail.d/nginx.conf', '[nginx-http-auth]\nenabled = true\nport    = http,https\n'],
      ['supervisor/nginx.conf', '[program:nginx] ; the web server\ncommand=nginx -g "daemon off;"\n'],
      ['supervisor/conf.d/nginx.conf', '[program:nginx]\ncommand=/usr/sbin/nginx -g "daemon off;"\nautorestart=true\n'],
      ['logrotate/nginx.conf', '/var/log/nginx/*.log {\n\tdaily\n\trotate 14\n\tpostrotate\n\t\tinvoke-rc.d nginx rotate >/dev/null 2>&1;\n\tendscript\n}\n'],
      ['logrotate/nginx.conf', '# rotate\n"/var/log/nginx/access.log" /var/log/nginx/error.log {\n  weekly\n}\n'],
      ['monit/nginx.conf', 'check process nginx with pidfile /var/run/nginx.pid\n    start program = "/usr/sbin/service nginx start"\n'],
    ];
    expect(named.map(([p, t]) => [p, isNginxFile(new SourceFile(p, t, false))])).toEqual(named.map(([p]) => [p, false]));
  });

  it('BIND named.conf and scripts under nginx/ are not nginx: a `};` block end, a leading `#!`', () => {
    const named = 'options {\n\tdirectory "/var/named";\n\tlisten-on port 53 { 127.0.0.1; };\n};\n\nzone "." IN {\n\ttype hint;\n\tfile "named.ca";\n};\n\ninclude "/etc/named.rfc1912.zones";\n';
    const script = '#!/bin/sh\nset -e\nenvsubst < /etc/nginx/default.conf.template > /etc/nginx/conf.d/default.conf;\nexec nginx -g "daemon off;"\n';
    expect(nginxPathKind('bind/named.conf')).toBe('candidate');
    expect(nginxPathKind('nginx/docker-entrypoint')).toBe('candidate');
    expect([looksLikeNginx(named), looksLikeNginx(script)]).toEqual([false, false]);
    expect(isNginxFile(new SourceFile('bind/named.conf', named, false))).toBe(false);
    expect(isNginxFile(new SourceFile('nginx/docker-entrypoint', script, false))).toBe(false);
    expect(isNginxFile(new SourceFile('nginx.conf', script, false))).toBe(false);
    // Lua code may close a table with `};`: the file stays nginx.
    expect(looksLikeNginx('location / {\n  content_by_lua_block {\n    local t = {\n      1,\n    };\n  }\n}\n')).toBe(true);
  });

  it('named files of other tools get no parse warning, the real nginx.conf beside them is judged', async () => {
    const rule = findRule('nginx-body-size-limit')!;
    const result = await run(Workspace.fromFiles('/r', fixtureFiles('named-nginx-conf-of-other-tools')), { rules: [rule], apply: new Set(['safe', 'review']) });
    expect(result.diagnostics).toEqual([]);
    expect(result.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['nginx.conf:1']);
  });

  it('template markup: Jinja, Go, Handlebars and ERB are templates; `{{` in Lua code is not', () => {
    const nginx = (text: string): boolean => isNginxFile(new SourceFile('nginx.conf', text, false));
    expect(nginx('server {\n  server_name {{ domain }};\n}\n')).toBe(false);
    expect(nginx('server {\n  server_name {{domain}};\n}\n')).toBe(false);
    expect(nginx('server {\n  listen {{ .Values.port }};\n}\n')).toBe(false);
    expect(nginx('{{- if .Values.tls }}\nserver {\n  listen 443 ssl;\n}\n{{- end }}\n')).toBe(false);
    expect(nginx('{% for s in servers %}\nserver {\n  listen 80;\n}\n{% endfor %}\n')).toBe(false);
    expect(nginx('server {\n  listen <%= port %>;\n}\n')).toBe(false);
    expect(nginx('server {\n  location / {\n    content_by_lua_block {\n      local t = {{1, 2}, {3, 4}}\n      ngx.say(t[1][2])\n    }\n  }\n}\n')).toBe(true);
    expect(nginx("server {\n  location / {\n    content_by_lua 'local t = {{a = 1}} ngx.say(t[1].a)';\n  }\n}\n")).toBe(true);
  });

  it('parse problems: a broken nginx file gets one, a broken look-alike does not', async () => {
    expect(formatOf('deploy/nginx.conf')).toBe('nginx');
    expect(formatOf('nginx/Dockerfile')).toBe('dockerfile');
    expect(await parseProblem(new SourceFile('nginx.conf', 'server {\n  listen 80;\n', false))).toEqual({ message: 'unexpected end of file, expecting "}" to close "server" opened at line 1', offset: 22 });
    expect(await parseProblem(new SourceFile('conf.d/app.conf', 'server {\n  listen 80\n}\n', false))).toEqual({ message: 'unexpected "}" (the "listen" directive has no ";")', offset: 21 });
    expect(await parseProblem(new SourceFile('conf/application.conf', 'akka {\n  http {\n    server {\n      idle-timeout = 60s\n    }\n  }\n}\n', false))).toBeUndefined();
    expect(await parseProblem(new SourceFile('supervisord.conf', '[supervisord]\nnodaemon=true\n', false))).toBeUndefined();
    expect(await parseProblem(new SourceFile('nginx.conf', 'server {\n  listen 80;\n}\n', false))).toBeUndefined();
  });
});

function fixtureFiles(caseName: string): Record<string, string> {
  const dir = path.join(ROOT, 'fixtures', 'nginx-body-size-limit', caseName, 'input');
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out[p] = readFileSync(path.join(dir, p), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('parse warnings and proofs through the engine', () => {
  const rule = findRule('nginx-body-size-limit')!;

  it('a malformed nginx.conf gets the standard warning with line:column, and no finding', async () => {
    const result = await run(Workspace.fromFiles('/r', fixtureFiles('malformed-nginx-conf')), { rules: [rule], apply: new Set(['safe', 'review']) });
    expect(result.findings).toEqual([]);
    expect(result.changes).toEqual([]);
    expect(result.diagnostics).toEqual([
      { file: 'nginx.conf', line: 5, column: 5, kind: 'parse-error', message: 'could not parse nginx.conf at 5:5: unexpected "}" (the "proxy_pass" directive has no ";")' },
    ]);
  });

  it('supervisord .conf files beside nginx.conf get no warning', async () => {
    const result = await run(Workspace.fromFiles('/r', fixtureFiles('supervisord-conf-beside')), { rules: [rule], apply: new Set(['safe', 'review']) });
    expect(result.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['nginx.conf:1']);
    expect(result.diagnostics).toEqual([]);
  });

  it('a fix that breaks an nginx file fails its proof and is dropped', async () => {
    const text = 'server {\n    listen 80;\n}\n';
    const breaker: Rule = {
      meta: { id: 'test-breaker', seedIds: [], summary: 'drops a semicolon', defaultSeverity: 'warning', fixable: 'safe' },
      async check({ workspace }) {
        const file = workspace.read('nginx.conf')!;
        const at = file.text.indexOf(';');
        if (at === -1) return [];
        return [{ file: 'nginx.conf', offset: at, key: 'semi', message: 'semicolon', fix: { safety: 'safe', description: 'drop it', edits: [{ file: 'nginx.conf', start: at, end: at + 1, text: '' }] } }];
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'nginx.conf': text }), { rules: [breaker], apply: new Set(['safe']) });
    expect(result.changes).toEqual([]);
    expect(result.findings.map((f) => f.fixStatus)).toEqual(['rejected']);
    expect(result.diagnostics).toEqual([
      { file: 'nginx.conf', line: 2, column: 14, kind: 'fix-rejected', ruleId: 'test-breaker', message: 'fix dropped: nginx.conf would not parse at 3:1: unexpected "}" (the "listen" directive has no ";")' },
    ]);
  });

  it('Debian layout with a committed symlink: the site is judged once, as its target, under the http limit', async () => {
    const site = 'server {\n    listen 80;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';
    const judge = async (httpLimit: string): Promise<string[]> => {
      const dir = tempDir();
      try {
        mkdirSync(path.join(dir, 'nginx', 'sites-available'), { recursive: true });
        mkdirSync(path.join(dir, 'nginx', 'sites-enabled'), { recursive: true });
        writeFileSync(path.join(dir, 'nginx', 'nginx.conf'), `events {}\nhttp {\n${httpLimit}    include /etc/nginx/sites-enabled/*;\n}\n`);
        writeFileSync(path.join(dir, 'nginx', 'sites-available', 'myapp'), site);
        symlinkSync('../sites-available/myapp', path.join(dir, 'nginx', 'sites-enabled', 'myapp'));
        const result = await run(await Workspace.open(dir), { rules: [rule], apply: new Set(['safe', 'review']) });
        return result.findings.map((f) => `${f.file}:${f.line}:${f.fixStatus}`);
      } finally {
        removeDir(dir);
      }
    };
    expect(await judge('')).toEqual(['nginx/sites-available/myapp:1:applied']);
    expect(await judge('    client_max_body_size 50m;\n')).toEqual([]);
  });
});
