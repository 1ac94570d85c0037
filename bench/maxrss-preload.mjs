// Preloaded with `node --import <this file>` when /usr/bin/time is not available: at exit, the
// process writes its own peak RSS (process.resourceUsage().maxRSS, KiB) and CPU times to the
// file named by BENCH_MAXRSS_FILE. Only the node process is measured (not git children).
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_MAXRSS_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    try {
      writeFileSync(out, JSON.stringify({ maxRSSKiB: u.maxRSS, userSec: u.userCPUTime / 1e6, sysSec: u.systemCPUTime / 1e6 }));
    } catch {
      // best effort: never change the measured program's behaviour
    }
  });
}
