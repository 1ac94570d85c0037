/**
 * Escaping for what the tool prints. File names and file content reach every report, and both
 * may hold control characters: a newline in a file name would start a line of its own (in a CI
 * log, `::error …` at the start of a line is a workflow command the Actions runner obeys), an
 * ESC byte would reach the terminal, a tab would end a name in a patch header.
 *
 * - `quotePath` quotes a name the way git does (`quote_c_style`, as with `core.quotePath=false`):
 *   a name with a control character, `"` or `\` is printed in double quotes with C escapes
 *   (`"a/x\ty"`, `"n\nl"`, `"e\033c"`); any other name is printed as it is. `git apply` reads
 *   such names back, so `--format diff` uses it for its headers.
 * - `displayPath` is `quotePath` for people: it quotes, in addition, C1 controls, line and
 *   paragraph separators and bidirectional overrides (written as their UTF-8 bytes in octal,
 *   as git does for every non-ASCII byte with its default `core.quotePath=true`).
 * - `escapeControls` is for messages (which quote file names and file content): every such
 *   character becomes the same escape, without quotes around the whole text.
 */

/** C0 controls and DEL: what git's quote_c_style quotes. */
const C0 = /[\x00-\x1f\x7f]/;
/** Controls a terminal or a log viewer may act on, beyond C0: C1, U+2028/U+2029, bidi controls. */
const WIDE = /[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const WIDE_GLOBAL = new RegExp(WIDE.source, 'g');

const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

/** The C escape of one character: `\t`, `\n`, …, else its UTF-8 bytes in octal (`\033`). */
function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  return [...Buffer.from(ch, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

function quoted(s: string, special: RegExp): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (special.test(ch)) out += escapeChar(ch);
    else out += ch;
  }
  return `${out}"`;
}

/** A path as git prints it in a patch header: quoted with C escapes when it needs to be. */
export function quotePath(p: string): string {
  return C0.test(p) || p.includes('"') || p.includes('\\') ? quoted(p, C0) : p;
}

/** A path as a person should see it in a report: like `quotePath`, and Unicode controls quoted too. */
export function displayPath(p: string): string {
  return WIDE.test(p) || p.includes('"') || p.includes('\\') ? quoted(p, WIDE) : p;
}

/**
 * A message with every control character (C0, DEL, C1, line separators, bidi controls) escaped;
 * with `keepTabs`, tabs stay (lines of a file shown in a diff).
 */
export function escapeControls(s: string, options: { keepTabs?: boolean } = {}): string {
  if (!WIDE.test(s)) return s;
  return s.replace(WIDE_GLOBAL, (ch) => (ch === '\t' && options.keepTabs ? ch : escapeChar(ch)));
}
