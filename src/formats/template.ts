/**
 * Template source: files that a template engine renders into YAML, JSON or Python, and that are
 * not valid in that format as they are written. They have no parser here; rules leave them
 * alone, and a parse failure in one is no diagnostic.
 */

/**
 * The chart directory when `p` lies under a Helm chart's `templates/` (a `Chart.yaml` next to
 * that folder): Helm renders those files with Go templates before any YAML parser sees them.
 */
export function helmChartOf(repo: { has(p: string): boolean }, p: string): string | undefined {
  const segs = p.split('/');
  for (let i = segs.length - 2; i >= 0; i--) {
    if (segs[i] !== 'templates') continue;
    const chart = segs.slice(0, i).join('/');
    if (repo.has(chart ? `${chart}/Chart.yaml` : 'Chart.yaml')) return chart;
  }
  return undefined;
}

/**
 * Template markup a file holds as its own structure: a line that opens with a template action
 * (`{{- if …}}`, `{% for … %}`, `{# … #}`), a Jinja block tag anywhere, or an expression
 * outside quotes (`from pkg.{{ version }}.client import …`, `replicas: {{ .Values.n }}`).
 * Placeholders inside quoted values (`image: "{{ .Values.image }}"`, `f"{{x}}"`) and GitHub's
 * `${{ … }}` are part of valid text, so they do not count.
 */
export function hasTemplateMarkup(text: string): boolean {
  if (/^[ \t]*(\{\{|\{%|\{#.*#\})/m.test(text)) return true;
  if (/\{%-?\s*(if|elif|else|endif|for|endfor|set|macro|endmacro|block|endblock|include|import|from|extends|raw|endraw|with|endwith|call|filter)\b[^%\n]*%\}/.test(text)) return true;
  for (const m of text.matchAll(/(?<!\$)\{\{-?\s*[^{}\n]+?\s*-?\}\}/g)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const before = text.slice(lineStart, m.index);
    if (count(before, '"') % 2 === 0 && count(before, "'") % 2 === 0 && count(before, '`') % 2 === 0) return true;
  }
  return false;
}

function count(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * Whether a file is template source rather than its format: it lies in a Helm chart's
 * templates, or it fails its format's parser and holds template markup of its own.
 */
export function isTemplateSource(repo: { has(p: string): boolean }, file: { path: string; text: string }, parseFailed: boolean): boolean {
  return helmChartOf(repo, file.path) !== undefined || (parseFailed && hasTemplateMarkup(file.text));
}
