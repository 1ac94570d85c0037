import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { issueTemplates, lineEnding, nearMisses, onGitHub, prTemplates, testCommand } from './detect.js';
import { ISSUE_FORM_PATH, PR_TEMPLATE_PATH, bugReportForm, prTemplate } from './fix.js';

/**
 * A repository on GitHub without issue templates, or without a pull-request template (seed 4,
 * "GitHub metadata"). Info: an organisation's `.github` repository can supply both, and the rule
 * cannot see it. The `review` fix creates a bug-report form and a pull-request template whose
 * checklist names the repository's test command.
 */
export const rule: Rule = {
  meta: {
    id: 'github-templates',
    seedIds: ['4'],
    summary: 'A GitHub repository without issue templates or a pull-request template; create minimal ones (info, review).',
    defaultSeverity: 'info',
    fixable: 'review',
    messages: {
      noIssueTemplate: 'no issue template ({{why}}): GitHub looks for `ISSUE_TEMPLATE/` or `ISSUE_TEMPLATE.md` in the root, `.github/` or `docs/`, and finds none, so bug reports arrive without steps or a version',
      misnamed: '`{{file}}` reads like {{what}} template, but GitHub does not read it under that name ({{names}} in the root, `.github/` or `docs/`): rename it if it is meant for new {{items}}',
      noPrTemplate: 'no pull-request template ({{why}}): GitHub looks for `pull_request_template.md` or `PULL_REQUEST_TEMPLATE/` in the root, `.github/` or `docs/`, and finds none{{checklist}}',
    },
  },
  async check({ workspace: ws, files }) {
    const why = onGitHub(ws, files);
    if (!why) return [];
    const findings: RawFinding[] = [];
    const eol = lineEnding(ws);
    const misnamed = (kind: 'issue' | 'pr'): RawFinding | undefined => {
      const file = nearMisses(ws, kind)[0];
      if (!file) return undefined;
      const data = kind === 'issue' ? { file, what: 'an issue', names: '`ISSUE_TEMPLATE.md` or an `ISSUE_TEMPLATE/` folder', items: 'issues' } : { file, what: 'a pull-request', names: '`pull_request_template.md` or a `PULL_REQUEST_TEMPLATE/` folder', items: 'pull requests' };
      return { file, offset: 0, key: `misnamed-${kind}-template`, messageId: 'misnamed', data, fix: null, skipReason: 'author-intent' };
    };
    const issueNearMiss = issueTemplates(ws).length === 0 ? misnamed('issue') : undefined;
    if (issueNearMiss) findings.push(issueNearMiss);
    else if (issueTemplates(ws).length === 0) {
      findings.push({
        file: ISSUE_FORM_PATH,
        offset: 0,
        key: 'no-issue-template',
        messageId: 'noIssueTemplate',
        data: { why },
        fix: { safety: 'review', description: `create ${ISSUE_FORM_PATH}, a bug-report form`, edits: [], creates: [{ file: ISSUE_FORM_PATH, content: bugReportForm(eol) }] },
      });
    }
    const prNearMiss = prTemplates(ws).length === 0 ? misnamed('pr') : undefined;
    if (prNearMiss) findings.push(prNearMiss);
    else if (prTemplates(ws).length === 0) {
      const command = testCommand(ws, files);
      findings.push({
        file: PR_TEMPLATE_PATH,
        offset: 0,
        key: 'no-pr-template',
        messageId: 'noPrTemplate',
        data: { why, checklist: command ? `; the template's checklist asks for \`${command}\`` : '' },
        fix: { safety: 'review', description: `create ${PR_TEMPLATE_PATH} with a checklist${command ? ` that runs \`${command}\`` : ''}`, edits: [], creates: [{ file: PR_TEMPLATE_PATH, content: prTemplate(command, eol) }] },
      });
    }
    return findings;
  },
};
