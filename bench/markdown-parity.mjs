#!/usr/bin/env node
/**
 * Compare the Markdown model markdown-it gives (markdown-it-nodes.ts) with the one mdast gives,
 * file by file, on every Markdown file git lists in the given folders. Prints how many files
 * differ, how many markdown-it could not place (read with mdast instead), and the first
 * differences. Run after `npm run build`:
 *   node bench/markdown-parity.mjs ecosystem/.work/snapshots/*
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { markdownNodes, readMarkdown, MdastNeeded, blankComponentTags, markdownComplexity } from '../dist/src/formats/markdown.js';

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const show = Number((process.argv.find((a) => a.startsWith('--show=')) ?? '--show=20').slice(7));
const plain = (model) => JSON.stringify(model, (_k, v) => (v instanceof Int32Array ? Array.from(v) : v));
let files = 0, same = 0, differ = 0, fellBack = 0, skipped = 0;
const shown = [];
for (const dir of dirs) {
  let listed;
  try { listed = execFileSync('git', ['ls-files', '-z'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 }).split('\0'); } catch { continue; }
  for (const rel of listed.filter((f) => /\.(md|mdx|markdown)$/i.test(f))) {
    let text;
    try { text = readFileSync(path.join(dir, rel), 'utf8'); } catch { continue; }
    if (text.length > 1_000_000) continue;
    files++;
    const c = markdownComplexity(text);
    if (!c.tooComplex) {
      try { (await markdownNodes(blankComponentTags(text), c.noEmphasis, 'markdown-it'))(); } catch (e) { if (e instanceof MdastNeeded) fellBack++; else throw e; }
    }
    const a = await readMarkdown(text, rel, 'markdown-it');
    const b = await readMarkdown(text, rel, 'mdast');
    if (!a.ok || !b.ok) { skipped++; if (a.ok !== b.ok) { differ++; shown.push(`${dir}/${rel}: ok ${a.ok} vs ${b.ok}`); } continue; }
    const pa = plain(a.model), pb = plain(b.model);
    if (pa === pb) { same++; continue; }
    differ++;
    if (shown.length < show) {
      const detail = [];
      for (const key of ['spans', 'blocks', 'links', 'headings']) {
        const xa = a.model[key], xb = b.model[key];
        if (plain(xa) === plain(xb)) continue;
        if (xa.length !== xb.length) detail.push(`${key}: ${xa.length} vs ${xb.length} ` + JSON.stringify(diffList(xa, xb)).slice(0, 600));
        else for (let i = 0; i < xa.length; i++) if (plain(xa[i]) !== plain(xb[i])) { detail.push(`${key}[${i}]: ${fieldDiff(xa[i], xb[i])}`); break; }
      }
      shown.push(`${dir}/${rel}\n    ${detail.join('\n    ')}`);
    }
  }
}
function diffList(xa, xb) {
  const ka = new Set(xa.map((x) => x.start)), kb = new Set(xb.map((x) => x.start));
  return { onlyMarkdownIt: xa.filter((x) => !kb.has(x.start)).map(brief), onlyMdast: xb.filter((x) => !ka.has(x.start)).map(brief) };
}
function brief(x) { return { start: x.start, end: x.end, value: x.value?.slice(0, 60), url: x.url, text: x.text }; }
function fieldDiff(a, b) {
  const out = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const va = plain(a[k]), vb = plain(b[k]);
    if (va !== vb) out.push(`${k}: ${String(va).slice(0, 120)} vs ${String(vb).slice(0, 120)}`);
  }
  return `start ${b.start} ` + out.join('; ');
}
console.log(shown.join('\n'));
console.log(`${files} files: ${same} same, ${differ} differ, ${skipped} not read by one or both, ${fellBack} read with mdast because markdown-it could not be placed`);
