/**
 * Prefilters: cheap scans of a file's text that decide, before a full parse or an analysis over
 * its tree, whether anything could react to the file. Each is declared next to the analysis or
 * rule it serves, never in a central list.
 *
 * `AUTOPACK_FIX_NO_PREFILTER=1` turns them all off (everything is parsed and analysed as if
 * every file could matter): tests/prefilter.test.ts and the corpus check run both ways and
 * compare the output byte for byte. Read at each call, so a test can switch it within a process.
 */
export function prefiltersEnabled(): boolean {
  return process.env.AUTOPACK_FIX_NO_PREFILTER !== '1';
}
