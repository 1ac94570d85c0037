/**
 * How many parse workers a run starts (src/parallel/): a number (0: none), or `auto`. Spelled
 * here, below every front end, so that the CLI's `--concurrency`, AUTOPACK_FIX_CONCURRENCY and
 * the bot read it alike, and `--help` loads nothing of the workers.
 */
export type Concurrency = number | 'auto';

/** `auto`, `off` (0) or a whole number from 0 to 64; undefined for anything else. */
export function concurrencyOf(v: string): Concurrency | undefined {
  if (v === 'auto') return 'auto';
  if (v === 'off') return 0;
  if (!/^\d+$/.test(v) || Number(v) > 64) return undefined;
  return Number(v);
}

export const CONCURRENCY_EXPECTED = 'not auto, off or a number of workers from 0 to 64';
