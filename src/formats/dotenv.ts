/** `.env` files: `KEY=value` lines, as docker compose and python-dotenv read them. */

export interface DotenvEntry {
  key: string;
  value: string;
  /** 1-based lines the entry spans (a quoted value may run over several lines). */
  from: number;
  to: number;
}

/**
 * `KEY=value` lines of a `.env` file: `export ` is stripped, a quoted value is taken inside its
 * quotes (and may span lines), an unquoted one ends before a ` #` comment and is trimmed.
 */
export function parseDotenv(text: string): DotenvEntry[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const out: DotenvEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const key = m[1] as string;
    const raw = m[2] as string;
    const from = i + 1;
    const quote = raw[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      // Find the closing quote, on this line or a later one.
      let body = raw.slice(1);
      let j = i;
      let close = closingQuote(body, quote);
      while (close === -1 && j + 1 < lines.length) {
        j++;
        body += `\n${lines[j]}`;
        close = closingQuote(body, quote);
      }
      if (close === -1) {
        // Unterminated: the value runs to the end of the file (nothing after it is a line of
        // its own, so no piece of it can pass for a name or escape being withheld).
        out.push({ key, value: body, from, to: lines.length });
        break;
      }
      out.push({ key, value: body.slice(0, close), from, to: j + 1 });
      i = j;
      continue;
    }
    const hash = raw.search(/(^|\s)#/);
    out.push({ key, value: (hash === -1 ? raw : raw.slice(0, hash)).trim(), from, to: from });
  }
  return out;
}

function closingQuote(body: string, quote: string): number {
  for (let k = 0; k < body.length; k++) {
    if (quote === '"' && body[k] === '\\') {
      k++;
      continue;
    }
    if (body[k] === quote) return k;
  }
  return -1;
}

/** `.env`, `.env.local`, `.env.production`, `db.env` … */
export function isEnvFileName(name: string): boolean {
  return (/^\.env(\.[\w.-]+)?$/i.test(name) || /^[\w.-]+\.env$/i.test(name)) && !isTemplateName(name);
}

/** `.env.example`, `.env.sample`, `.env.template`, `db.env.example`, `example.env` … */
export function isTemplateName(name: string): boolean {
  return /(^|\.)(example|sample|template)(\.|$)/i.test(name);
}
