/**
 * `autopack-fix campaign report`: merges the RepoResult files of a wave into Markdown, JSON and
 * HTML summaries. A stub with the agreed signature; the report itself lands separately (issue 16, part B).
 */
export async function campaignReportCommand(
  options: { results: string[]; out?: string; markdown?: string; html?: string; json?: string; refresh?: boolean; tokenEnv: string; apiUrl?: string },
  io: { out(s: string): void; err(s: string): void; env: NodeJS.ProcessEnv },
): Promise<number> {
  void options;
  void io;
  throw new Error('campaign report: not built yet');
}
