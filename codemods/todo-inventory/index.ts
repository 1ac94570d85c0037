import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { commentSyntaxFor, commentSyntaxOfShebang, sourceComments, type SourceComment } from '../../src/formats/comments.js';
import { CRITICAL_NAMES, criticalReason, maybeMarker, isForeignPath, markersIn, saysGenerated, type Marker } from './detect.js';
import { pythonComments } from './python-comments.js';

/**
 * The open TODO/FIXME/XXX/HACK markers of the repository's comments (seeds 2.1, 2.2), for a
 * closure plan: one finding per marker, then one per hotspot — a file, or a folder across its
 * files, with at least `hotspotMinimum` markers — ranked by weight, where a marker on a critical
 * path (auth, security, payments … or the `criticalPaths` globs) counts `criticalWeight` times.
 *
 * Opt-in (`defaultEnabled: false`): a marker is not drift, and a repository has hundreds, which
 * would bury every other rule's findings and fail no build. Enable it in the configuration
 * (`rules: { todo-inventory: { enabled: true } }`) or run it on its own (`--rule todo-inventory`,
 * `--format json|markdown` for the plan).
 */
export const rule: Rule = {
  meta: {
    id: 'todo-inventory',
    seedIds: ['2.1', '2.2'],
    summary: 'TODO/FIXME/XXX/HACK markers in comments, by file and hotspot folder, weighted by critical paths: an inventory for a closure plan (opt-in).',
    defaultSeverity: 'info',
    fixable: 'none',
    defaultEnabled: false,
    options: {
      markers: {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Z]{2,}$' },
        default: ['TODO', 'FIXME', 'XXX', 'HACK'],
        description: 'The marker words, in capitals (a lower-case one counts only before `:` or `(`).',
      },
      criticalPaths: {
        type: 'array',
        items: { type: 'string' },
        default: [],
        description: 'Globs of critical paths, besides the folders and files named by `criticalNames` (a glob without `/` matches a name at any depth).',
      },
      criticalNames: {
        type: 'array',
        items: { type: 'string' },
        default: CRITICAL_NAMES,
        description: 'Folder or file names (whole words, split at `-`, `_`, `.`) that make a path critical.',
      },
      criticalWeight: { type: 'integer', minimum: 1, default: 3, description: 'What a marker on a critical path weighs in the hotspot ranking (others weigh 1).' },
      hotspotMinimum: { type: 'integer', minimum: 1, default: 5, description: 'The markers a file, or a folder across two or more of its files, needs to be reported as a hotspot.' },
    },
    messages: {
      marker: '{{marker}}: {{text}}',
      criticalMarker: '{{marker}} on a critical path ({{critical}}): {{text}}',
      fileHotspot: 'TODO hotspot #{{rank}} of {{total}} (file): {{count}} markers ({{kinds}}), {{criticalCount}} on critical paths, weight {{weight}}',
      folderHotspot: 'TODO hotspot #{{rank}} of {{total}} (folder `{{folder}}`): {{count}} markers ({{kinds}}) in {{files}} files, {{criticalCount}} on critical paths, weight {{weight}}; most in {{heaviest}}',
    },
  },
  async check(ctx) {
    const words = ctx.options.markers as string[];
    const maybe = maybeMarker(words);
    const isCritical = criticalReason(ctx.options.criticalNames as string[], ctx.options.criticalPaths as string[]);
    const weightOf = ctx.options.criticalWeight as number;
    const minimum = ctx.options.hotspotMinimum as number;
    const findings: RawFinding[] = [];
    const perFile: Array<{ file: string; markers: Marker[]; critical: string | undefined }> = [];
    for (const p of ctx.workspace.paths) {
      if (isForeignPath(p)) continue;
      let python = /\.pyi?$/.test(p);
      let syntax = python ? undefined : commentSyntaxFor(p);
      const name = p.slice(p.lastIndexOf('/') + 1);
      if (!python && !syntax && name.includes('.')) continue;
      // A look, not a read: a file that does not parse is not this rule's to name.
      const file = ctx.workspace.probe(p);
      if (!file || !maybe.test(file.text) || saysGenerated(file.text)) continue;
      if (!python && !syntax) {
        // A script without an extension: its `#!` line says the language.
        const declared = commentSyntaxOfShebang(file.text);
        if (!declared) continue;
        if (declared === 'python') python = true;
        else syntax = declared;
      }
      let comments: SourceComment[];
      if (python) {
        try {
          comments = await pythonComments(file);
        } catch {
          continue;
        }
      } else comments = sourceComments(file.text, syntax!);
      const markers = comments.filter((c) => maybe.test(c.value)).flatMap((c) => markersIn(c, words));
      if (!markers.length) continue;
      const critical = isCritical(p);
      perFile.push({ file: p, markers, critical });
      const seen = new Map<string, number>();
      for (const m of markers) {
        // The key names the marker by its words, not its line: it survives edits elsewhere in the file.
        const base = `${p}:${m.marker}:${m.text.toLowerCase().replace(/\W+/g, ' ').trim()}`;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        findings.push({
          file: p,
          offset: m.offset,
          key: n > 1 ? `${base}#${n}` : base,
          messageId: critical ? 'criticalMarker' : 'marker',
          data: { marker: m.marker, text: m.text || '(no text)', ...(critical ? { critical } : {}) },
        });
      }
    }
    findings.push(...hotspots(perFile, weightOf, minimum));
    return findings;
  },
};

interface FileMarkers {
  file: string;
  markers: Marker[];
  critical: string | undefined;
}

function kinds(markers: readonly Marker[]): string {
  const counts = new Map<string, number>();
  for (const m of markers) counts.set(m.marker, (counts.get(m.marker) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Files, then folders (across two or more files), with enough markers, ranked by weight. */
function hotspots(perFile: readonly FileMarkers[], criticalWeight: number, minimum: number): RawFinding[] {
  const weight = (f: FileMarkers): number => f.markers.length * (f.critical ? criticalWeight : 1);
  const rank = <T>(list: T[], w: (t: T) => number, name: (t: T) => string): T[] => list.sort((a, b) => w(b) - w(a) || name(a).localeCompare(name(b)));
  const out: RawFinding[] = [];
  const files = rank(perFile.filter((f) => f.markers.length >= minimum), weight, (f) => f.file);
  files.forEach((f, i) => {
    out.push({
      file: f.file,
      offset: (f.markers[0] as Marker).offset,
      key: `hotspot:file:${f.file}`,
      messageId: 'fileHotspot',
      data: { rank: i + 1, total: files.length, count: f.markers.length, kinds: kinds(f.markers), criticalCount: f.critical ? f.markers.length : 0, weight: weight(f) },
    });
  });
  const byFolder = new Map<string, FileMarkers[]>();
  for (const f of perFile) {
    const dir = f.file.includes('/') ? f.file.slice(0, f.file.lastIndexOf('/')) : '.';
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), f]);
  }
  const folders = rank(
    [...byFolder].filter(([, fs]) => fs.length >= 2 && fs.reduce((n, f) => n + f.markers.length, 0) >= minimum),
    ([, fs]) => fs.reduce((n, f) => n + weight(f), 0),
    ([d]) => d,
  );
  folders.forEach(([dir, fs], i) => {
    const heaviest = rank([...fs], weight, (f) => f.file)[0] as FileMarkers;
    const all = fs.flatMap((f) => f.markers);
    out.push({
      file: heaviest.file,
      offset: (heaviest.markers[0] as Marker).offset,
      key: `hotspot:folder:${dir}`,
      messageId: 'folderHotspot',
      data: {
        rank: i + 1,
        total: folders.length,
        folder: dir === '.' ? './' : `${dir}/`,
        count: all.length,
        kinds: kinds(all),
        files: fs.length,
        criticalCount: fs.filter((f) => f.critical).reduce((n, f) => n + f.markers.length, 0),
        weight: fs.reduce((n, f) => n + weight(f), 0),
        heaviest: `${heaviest.file.slice(heaviest.file.lastIndexOf('/') + 1)} (${heaviest.markers.length})`,
      },
    });
  });
  return out;
}
