/**
 * nginx configuration: a tokenizer and tree builder of our own that keeps offsets (no maintained
 * nginx parser does). It follows nginx's own reader (`ngx_conf_read_token`):
 *   - words are separated by space, tab, CR and LF; `;` ends a directive, `{` opens a block,
 *     `}` closes one;
 *   - `#` starts a comment only where a word could start (`a#b` is one word);
 *   - a word that starts with `"` or `'` runs to the matching unescaped quote and may span lines;
 *     after the closing quote only whitespace, `;`, `{` or `)` may follow;
 *   - `\` escapes the next character, in quoted and unquoted words alike; `${` does not end a
 *     word (`${var}`), `}` inside a word does not close a block;
 *   - `include` is a directive like any other (rules resolve it).
 * OpenResty's `*_by_lua_block { … }` holds Lua, not nginx syntax: its body is skipped as raw text
 * (balanced braces outside Lua strings and comments).
 *
 * The reader is one linear pass with an explicit block stack (no recursion: 10,000 nested blocks
 * are fine) and stops at the first syntax error, keeping the tree read so far.
 *
 * Offsets are into the file's decoded text (BOM excluded), like everywhere in the tool.
 */
import type { SourceFile } from '../workspace/source-file.js';
import { isDockerfilePath } from './dockerfile.js';

export interface NginxVariable {
  /** `request_id` for `$request_id` and `${request_id}`; `1` for a regex capture `$1`. */
  name: string;
  /** Span of `$name` / `${name}` in the file. */
  start: number;
  end: number;
}

export interface NginxWord {
  /** The word as nginx reads it: quotes removed, `\"` `\'` `\\` `\t` `\r` `\n` resolved. */
  value: string;
  /** The source text, quotes included. */
  raw: string;
  start: number;
  end: number;
  quote: '"' | "'" | undefined;
  variables: NginxVariable[];
}

export interface NginxBlock {
  /** Offset of `{`. */
  open: number;
  /** Offset of the matching `}`; -1 when the file ends first (a syntax error). */
  close: number;
  children: NginxDirective[];
  /** A `*_by_lua_block` body: not nginx syntax, no children. */
  raw: boolean;
}

export interface NginxDirective {
  name: string;
  /** The directive's name word (usually unquoted). */
  nameWord: NginxWord;
  args: NginxWord[];
  /** Offset of the name. */
  start: number;
  /** Just past the `;`, or past the block's `}`. */
  end: number;
  block: NginxBlock | undefined;
}

export interface NginxComment {
  /** Offset of `#`. */
  start: number;
  /** End of the comment (the line break is not part of it). */
  end: number;
  text: string;
}

export interface NginxTree {
  directives: NginxDirective[];
  comments: NginxComment[];
  /** The first syntax error; the tree holds what was read before it. */
  error: { message: string; offset: number } | null;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const SEMI = 0x3b;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const RPAREN = 0x29;

const isSpace = (c: number): boolean => c === SPACE || c === TAB || c === CR || c === LF;

/** Parse a whole nginx file (cached per text). */
export function parseNginx(file: SourceFile): NginxTree {
  return file.parse('nginx', (f) => parseNginxText(f.text));
}

/** Parse nginx configuration text. Linear in the text's length; never recursive. */
export function parseNginxText(text: string): NginxTree {
  const n = text.length;
  const root: NginxDirective[] = [];
  const comments: NginxComment[] = [];
  /** Open blocks, innermost last. */
  const stack: NginxDirective[] = [];
  let words: NginxWord[] = [];
  let error: NginxTree['error'] = null;
  const children = (): NginxDirective[] => (stack.length ? (stack[stack.length - 1] as NginxDirective).block!.children : root);
  const fail = (message: string, offset: number): void => {
    error = { message, offset };
  };
  const directive = (end: number, block: NginxBlock | undefined): NginxDirective => {
    const [nameWord, ...args] = words as [NginxWord, ...NginxWord[]];
    words = [];
    return { name: nameWord.value, nameWord, args, start: nameWord.start, end, block };
  };

  let i = 0;
  while (i < n && !error) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === HASH) {
      let j = text.indexOf('\n', i);
      if (j === -1) j = n;
      const end = j > i && text.charCodeAt(j - 1) === CR ? j - 1 : j;
      comments.push({ start: i, end, text: text.slice(i, end) });
      i = j;
      continue;
    }
    if (c === SEMI) {
      if (words.length === 0) {
        fail('unexpected ";"', i);
        break;
      }
      children().push(directive(i + 1, undefined));
      i++;
      continue;
    }
    if (c === LBRACE) {
      if (words.length === 0) {
        fail('unexpected "{"', i);
        break;
      }
      const name = (words[0] as NginxWord).value;
      if (name.endsWith('_by_lua_block')) {
        const close = luaBlockEnd(text, i + 1);
        const d = directive(close === -1 ? n : close + 1, { open: i, close, children: [], raw: true });
        children().push(d);
        if (close === -1) {
          fail(`unexpected end of file, expecting "}" to close "${name}" opened at line ${lineOf(text, d.start)}`, n);
          break;
        }
        i = close + 1;
        continue;
      }
      const d = directive(-1, { open: i, close: -1, children: [], raw: false });
      children().push(d);
      stack.push(d);
      i++;
      continue;
    }
    if (c === RBRACE) {
      if (words.length > 0) {
        fail(`unexpected "}" (the "${(words[0] as NginxWord).value}" directive has no ";")`, i);
        break;
      }
      const open = stack.pop();
      if (!open) {
        fail('unexpected "}" (no block is open)', i);
        break;
      }
      open.block!.close = i;
      open.end = i + 1;
      i++;
      continue;
    }
    // A word.
    if (c === DQUOTE || c === SQUOTE) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) j += 2;
        else if (d === c) break;
        else j++;
      }
      if (j >= n) {
        fail(`unterminated ${c === DQUOTE ? 'double' : 'single'}-quoted string`, i);
        break;
      }
      const raw = text.slice(i, j + 1);
      words.push({ value: unescape(raw.slice(1, -1)), raw, start: i, end: j + 1, quote: c === DQUOTE ? '"' : "'", variables: variablesOf(raw, i) });
      i = j + 1;
      if (i < n) {
        const next = text.charCodeAt(i);
        if (!(isSpace(next) || next === SEMI || next === LBRACE || next === RPAREN)) {
          fail(`unexpected "${text[i]}" after a quoted string`, i);
          break;
        }
      }
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === BACKSLASH) {
        j += 2;
        continue;
      }
      if (d === DOLLAR && text.charCodeAt(j + 1) === LBRACE) {
        j += 2;
        continue;
      }
      if (isSpace(d) || d === SEMI || d === LBRACE) break;
      j++;
    }
    if (j > n) j = n;
    const raw = text.slice(i, j);
    words.push({ value: unescape(raw), raw, start: i, end: j, quote: undefined, variables: variablesOf(raw, i) });
    i = j;
  }

  if (!error) {
    if (words.length > 0) {
      fail(`unexpected end of file, expecting ";" or "}" after "${(words[0] as NginxWord).value}"`, n);
    } else if (stack.length > 0) {
      const open = stack[stack.length - 1] as NginxDirective;
      fail(`unexpected end of file, expecting "}" to close "${open.name}" opened at line ${lineOf(text, open.start)}`, n);
    }
  }
  // Blocks left open by an error end where reading stopped.
  const stop = error ? (error as { offset: number }).offset : n;
  for (const open of stack) open.end = stop;
  return { directives: root, comments, error };
}

/** nginx's unescaping of a word (ngx_conf_read_token's copy loop). */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k] as string;
    if (ch === '\\' && k + 1 < s.length) {
      const next = s[k + 1] as string;
      if (next === '"' || next === "'" || next === '\\') {
        out += next;
        k++;
        continue;
      }
      if (next === 't' || next === 'r' || next === 'n') {
        out += next === 't' ? '\t' : next === 'r' ? '\r' : '\n';
        k++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** `$name`, `${name}` and `$1` in a word's source text (an escaped `\$` is not a variable). */
function variablesOf(raw: string, base: number): NginxVariable[] {
  if (!raw.includes('$')) return [];
  const out: NginxVariable[] = [];
  for (let k = 0; k < raw.length; k++) {
    const ch = raw.charCodeAt(k);
    if (ch === BACKSLASH) {
      k++;
      continue;
    }
    if (ch !== DOLLAR) continue;
    if (raw.charCodeAt(k + 1) === LBRACE) {
      const close = raw.indexOf('}', k + 2);
      const name = close === -1 ? '' : raw.slice(k + 2, close);
      if (/^[A-Za-z0-9_]+$/.test(name)) {
        out.push({ name, start: base + k, end: base + close + 1 });
        k = close;
      }
      continue;
    }
    let e = k + 1;
    while (e < raw.length && /[A-Za-z0-9_]/.test(raw[e] as string)) e++;
    if (e > k + 1) {
      out.push({ name: raw.slice(k + 1, e), start: base + k, end: base + e });
      k = e - 1;
    }
  }
  return out;
}

/**
 * Offset of the `}` that closes a Lua block whose body starts at `from`, or -1. Skips Lua
 * strings ('…', "…", [[…]], [==[…]==]) and comments (-- to the line end, --[[…]]).
 */
function luaBlockEnd(text: string, from: number): number {
  const n = text.length;
  let depth = 1;
  let i = from;
  const longBracket = (at: number): number => {
    // `[` `=`* `[` at `at`: the offset past the matching close, or -1 when it is not one.
    let k = at + 1;
    while (text.charCodeAt(k) === 0x3d) k++;
    if (text.charCodeAt(k) !== 0x5b) return -1;
    const close = `]${'='.repeat(k - at - 1)}]`;
    const end = text.indexOf(close, k + 1);
    return end === -1 ? n : end + close.length;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === DQUOTE || c === SQUOTE) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== c && text.charCodeAt(j) !== LF) j += text.charCodeAt(j) === BACKSLASH ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === 0x2d && text.charCodeAt(i + 1) === 0x2d) {
      const long = text.charCodeAt(i + 2) === 0x5b ? longBracket(i + 2) : -1;
      if (long !== -1) i = long;
      else {
        const nl = text.indexOf('\n', i);
        i = nl === -1 ? n : nl + 1;
      }
      continue;
    }
    if (c === 0x5b) {
      const long = longBracket(i);
      if (long !== -1) {
        i = long;
        continue;
      }
    }
    if (c === LBRACE) depth++;
    else if (c === RBRACE && --depth === 0) return i;
    i++;
  }
  return -1;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) line++;
  return line;
}

/**
 * Every directive of a tree with its enclosing blocks (outermost first), in document order,
 * without recursion. `visit` returns false to skip a directive's block.
 */
export function walkNginx(directives: readonly NginxDirective[], visit: (d: NginxDirective, parents: readonly NginxDirective[]) => boolean | void): void {
  const stack: Array<{ list: readonly NginxDirective[]; index: number; parent: NginxDirective | undefined }> = [{ list: directives, index: 0, parent: undefined }];
  const parents: NginxDirective[] = [];
  while (stack.length) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    if (top.index >= top.list.length) {
      stack.pop();
      if (top.parent) parents.pop();
      continue;
    }
    const d = top.list[top.index++] as NginxDirective;
    const descend = visit(d, parents) !== false;
    if (descend && d.block && d.block.children.length) {
      parents.push(d);
      stack.push({ list: d.block.children, index: 0, parent: d });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Which files are nginx configuration

/** Directories whose configuration files are nginx's by convention (still checked by content). */
const NGINX_DIRS = new Set(['nginx', 'conf.d', 'sites-available', 'sites-enabled', 'snippets', 'openresty']);

/** Debian's folders of site files, named freely. */
const SITES_DIRS = new Set(['sites-available', 'sites-enabled']);
/** Names in those folders that are documentation, scripts, data or backups, not sites. */
const NOT_SITE_FILE = /\.(md|markdown|rst|adoc|txt|html?|sh|bash|py|rb|js|ts|json|ya?ml|toml|ini|j2|jinja2?|tmpl|tpl|erb|bak|orig|old|swp|dist|sample|example|dpkg-[a-z]+)$|~$/;

/**
 * How a path says it is nginx configuration:
 *   - `named`: `nginx.conf`, `nginx.<anything>.conf`, `nginx-<anything>.conf` (each also with
 *     `.template`), `*.nginx`, `*.nginx.conf` — nginx unless the content says otherwise
 *     (fail2ban, supervisord, logrotate and monit keep files called `nginx.conf` too);
 *   - `candidate`: another `*.conf` or `*.conf.template` (the official image's envsubst
 *     templates), a file without an extension under `nginx/`, `conf.d/`, `sites-available/`,
 *     `sites-enabled/`, `snippets/`, or any other file under `sites-available/`, `sites-enabled/`
 *     (Debian names sites after domains: `app.example.com`) but documentation, scripts, data and
 *     backups — nginx only when the content looks like nginx (many `.conf`
 *     files are supervisord, Apache, redis, logrotate, …);
 *   - undefined: not nginx.
 */
export function nginxPathKind(p: string): 'named' | 'candidate' | undefined {
  const slash = p.lastIndexOf('/');
  const base = p.slice(slash + 1);
  const lower = base.toLowerCase();
  if (isDockerfilePath(p)) return undefined;
  if (/^nginx([.-][^/]*)?\.conf(\.template)?$/.test(lower) || /\.nginx(\.conf)?$/.test(lower)) return 'named';
  if (/\.conf(\.template)?$/.test(lower)) return 'candidate';
  if (slash === -1) return undefined;
  const dirs = p.slice(0, slash).split('/').map((seg) => seg.toLowerCase());
  if (!base.includes('.') && dirs.some((seg) => NGINX_DIRS.has(seg))) return 'candidate';
  // Debian's site files are named after their domains (`app.example.com`).
  if (dirs.some((seg) => SITES_DIRS.has(seg)) && !base.startsWith('.') && !NOT_SITE_FILE.test(lower)) return 'candidate';
  return undefined;
}

/** Block directives only nginx has, at the start of a line (`server {`, `location /api {`, …). */
const NGINX_BLOCK = /(?:^|[\n;{}])[ \t]*(?:http|server|events|stream|upstream|location|map|geo|types|limit_except|split_clients)(?:[ \t][^;{}\n#]*)?\{/;
/**
 * Simple directives typical of nginx at the start of a line, with a first argument that is not
 * `=`/`:` (ini and HOCON `key = value`), ended by `;`.
 */
const NGINX_DIRECTIVE =
  /(?:^|\n)[ \t]*(?:include|proxy_pass|fastcgi_pass|uwsgi_pass|grpc_pass|proxy_set_header|add_header|listen|server_name|try_files|client_max_body_size|worker_processes|worker_connections|error_page|ssl_certificate|gzip|sendfile|keepalive_timeout|root|rewrite)[ \t]+[^\s=:;{}][^\n;{}]*;/;
/** An ini/HOCON/properties assignment (`key = value`, `key: value`); nginx never writes one. */
const ASSIGNMENT_LINE = /^[ \t]*[A-Za-z_][\w.-]*[ \t]*[=:](?!:)/m;

/**
 * Whether text reads as nginx configuration (used for `candidate` paths): a typical nginx
 * directive ended by `;` at the start of a line, or an nginx block (`server {`, `http {`,
 * `location … {`, …) in a text without `key = value` lines (HOCON's `http { server { … } }`).
 */
export function looksLikeNginx(text: string): boolean {
  if (notNginx(text)) return false;
  return NGINX_DIRECTIVE.test(text) || (NGINX_BLOCK.test(text) && !ASSIGNMENT_LINE.test(text));
}

/** An ini section header alone on its line, a comment allowed (`[Definition]`, `[program:nginx] ; web`). */
const INI_SECTION = /^\[[^\[\]\n]+\][ \t]*(?:[;#][^\n]*)?\r?$/m;

/** `};` ending a block at the start of a line (BIND's `options { … };`). */
const BLOCK_END_SEMI = /(?:^|\n)[ \t]*\}[ \t]*;/;

/**
 * Content that nginx never holds, whatever the file is called: an ini `[section]` line
 * (fail2ban filters and jails, supervisord programs), a first block whose head is a path
 * (logrotate's `/var/log/nginx/*.log {`), a block closed by `};` (BIND's `named.conf`), or a
 * leading `#!` (a script).
 */
export function notNginx(text: string): boolean {
  if (INI_SECTION.test(text)) return true;
  // A script (`#!/bin/sh`), and BIND's `named.conf`, whose blocks end with `};` (nginx rejects
  // a `;` after `}`; Lua code in `*_by_lua_block` may write one).
  if (text.startsWith('#!')) return true;
  if (BLOCK_END_SEMI.test(text) && !text.includes('_by_lua')) return true;
  // The line of the first `{` outside comments: logrotate names files there, nginx a directive.
  for (const line of text.split('\n')) {
    const code = line.replace(/(^|[ \t])#.*$/, '$1');
    const brace = code.indexOf('{');
    if (brace === -1) continue;
    return /^[ \t]*["']?\//.test(code);
  }
  return false;
}

/** Lines that end like nginx statements: `;`, `{` or `}` (a trailing comment allowed). */
const NGINX_PUNCTUATION = /[;{}][ \t]*(#[^\n]*)?\r?$/m;

/** Jinja and ERB statement markup (`{% if … %}`, `<%= … %>`). */
const TEMPLATE_STATEMENT = /\{%|<%/;
/**
 * A Jinja, Go, Handlebars or Mustache expression: `{{` then optional space and a name, `.`,
 * `$`, `#`, `/`, `>`, … and `}}` on the same line (`{{ domain }}`, `{{ .Values.host }}`,
 * `{{- if … }}`, `{{#each}}`). Lua's `{{1, 2}}` has none of it.
 */
const TEMPLATE_EXPRESSION = /\{\{-?[ \t]*[A-Za-z_.$#/>!^&][^{}\n]*\}\}/;

/**
 * Whether the text carries template markup outside Lua code (`*_by_lua_block { … }` bodies and
 * `*_by_lua '…'` arguments, where `{{` and `{%` are Lua).
 */
function hasTemplateMarkup(file: SourceFile): boolean {
  const text = file.text;
  if (!text.includes('{{') && !TEMPLATE_STATEMENT.test(text)) return false;
  const lua: Array<[number, number]> = [];
  walkNginx(parseNginx(file).directives, (d) => {
    if (d.block?.raw) lua.push([d.block.open + 1, d.block.close === -1 ? d.end : d.block.close]);
    else if (!d.block && d.name.endsWith('_by_lua')) for (const a of d.args) lua.push([a.start, a.end]);
  });
  let outside = text;
  for (const [from, to] of lua) outside = outside.slice(0, from) + ' '.repeat(Math.max(0, to - from)) + outside.slice(to);
  return TEMPLATE_STATEMENT.test(outside) || TEMPLATE_EXPRESSION.test(outside);
}

/**
 * Whether a file is nginx configuration: by its name and content. A named file (`nginx.conf`, …)
 * is nginx when its content looks like nginx, or at least ends its lines like nginx and holds
 * nothing nginx never holds (an ini `[section]`, a logrotate block); a fail2ban filter, a
 * supervisord program or a monit check called `nginx.conf` is not. A template
 * (`{{ … }}`, `{% … %}`, `<% … %>`, as Ansible roles and Helm charts keep `nginx.conf`) is not:
 * its markup is not nginx syntax; `{{` in Lua code (`local t = {{1, 2}}`) is not markup.
 * envsubst templates (`${VAR}`) are nginx syntax and count.
 */
export function isNginxFile(file: SourceFile): boolean {
  const kind = nginxPathKind(file.path);
  if (!kind) return false;
  return file.parse('nginx-looks', (f) => {
    if (hasTemplateMarkup(f)) return false;
    if (looksLikeNginx(f.text)) return true;
    // A named file is nginx unless its content says otherwise (broken nginx keeps its warning).
    return kind === 'named' && !notNginx(f.text) && NGINX_PUNCTUATION.test(f.text);
  });
}
