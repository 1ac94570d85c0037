/**
 * The two templates the fix creates, as small as is useful: an issue form for bug reports
 * (GitHub renders it as fields, so reports arrive with steps and a version), and a pull-request
 * template whose checklist names the repository's own test command.
 */
export const ISSUE_FORM_PATH = '.github/ISSUE_TEMPLATE/bug_report.yml';
export const PR_TEMPLATE_PATH = '.github/pull_request_template.md';

export function bugReportForm(eol: string): string {
  const lines = [
    'name: Bug report',
    'description: Something does not work as documented.',
    'body:',
    '  - type: textarea',
    '    id: what-happened',
    '    attributes:',
    '      label: What happened?',
    '      description: What you did, what you expected, and what happened instead.',
    '    validations:',
    '      required: true',
    '  - type: textarea',
    '    id: steps',
    '    attributes:',
    '      label: Steps to reproduce',
    '      placeholder: |',
    '        1.',
    '        2.',
    '    validations:',
    '      required: true',
    '  - type: input',
    '    id: version',
    '    attributes:',
    '      label: Version',
    '      description: The release, tag or commit you ran.',
    '  - type: textarea',
    '    id: logs',
    '    attributes:',
    '      label: Logs',
    '      description: Output or error messages, if any.',
    '      render: text',
  ];
  return lines.join(eol) + eol;
}

export function prTemplate(testCommand: string | undefined, eol: string): string {
  const lines = [
    '## What this changes',
    '',
    '<!-- What and why, and the issue it closes ("Closes #123"). -->',
    '',
    '## Checklist',
    '',
    testCommand ? `- [ ] \`${testCommand}\` passes` : '- [ ] The tests pass',
    '- [ ] New behaviour is covered by tests',
    '- [ ] The documentation says what changed',
  ];
  return lines.join(eol) + eol;
}
