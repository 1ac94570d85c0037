// How much two busy JavaScript processes slow each other on this machine (bench/README.md,
// fifteenth session): markdown-it over a repository's docs (five passes) and an arithmetic loop,
// each alone and then two copies at once. Work through memory shares more than the cores.
// Usage: node bench/contention.mjs [root]   (default: the mem0 snapshot of the ecosystem corpus)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

async function work(kind, root) {
  const t = process.hrtime.bigint();
  if (kind === 'markdown') {
    const { default: MarkdownIt } = await import('markdown-it');
    const list = execFileSync('git', ['ls-files', '-z', '*.md', '*.mdx'], { cwd: root, maxBuffer: 1 << 28 }).toString().split('\0').filter(Boolean);
    const texts = list.map((p) => readFileSync(path.join(root, p), 'utf8'));
    const md = new MarkdownIt();
    for (let r = 0; r < 5; r++) for (const text of texts) md.parse(text, {});
  } else {
    let x = 0;
    for (let i = 0; i < 3e8; i++) x = (x * 31 + i) | 0;
    if (x === 42) console.log('');
  }
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function child(kind, root, flags) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...flags, self, '--child', kind, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => resolve(Number(out.trim())));
  });
}

if (process.argv[2] === '--child') {
  console.log(String(await work(process.argv[3], process.argv[4])));
} else {
  const root = process.argv[2] ?? fileURLToPath(new URL('../ecosystem/.work/snapshots/mem0ai__mem0', import.meta.url));
  for (const [kind, flags] of [['markdown', []], ['markdown', ['--single-threaded-gc']], ['arithmetic', []]]) {
    const alone = await child(kind, root, flags);
    const pair = await Promise.all([child(kind, root, flags), child(kind, root, flags)]);
    console.log(`${kind}${flags.length ? ` ${flags.join(' ')}` : ''}: alone ${alone.toFixed(0)} ms, two at once ${pair.map((v) => v.toFixed(0)).join(' / ')} ms`);
  }
}
