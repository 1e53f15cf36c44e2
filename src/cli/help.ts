/** `stagegate --help`: every flag, what it does and its default, generated from the option rows. */
import { GATE_OPTIONS, GITHUB_OPTIONS, type DescribedOption } from '../gate/settings.js';
import { CLI_FLAGS } from './parse-args.js';

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((entry) => `${indent}${entry}`);
}

function describeFlag(option: DescribedOption): string[] {
  const value =
    option.kind === 'boolean'
      ? ''
      : ` <${option.kind === 'lines' || option.kind === 'list' ? 'list' : option.kind === 'number' ? 'n' : 'value'}>`;
  const shownDefault = option.defaultText.includes('\n')
    ? `${option.defaultText.split('\n').length} built-in questions`
    : option.defaultText || '(none)';
  return [
    `  --${option.kebab}${value}`,
    ...wrap(option.cli?.description ?? option.description, 92, '      '),
    ...wrap(`Expected: ${option.expected}. Default: ${shownDefault}.`, 92, '      '),
  ];
}

export function renderHelp(): string {
  const out: string[] = [
    'Usage: stagegate [flags]',
    '',
    'Boots a multi-replica chat API stage, runs six checks (stage-up, load-balancing,',
    'plan-cache-single-flight, private-isolation, narrator-saturation, chat-capacity) and says whether',
    'it is ready for multi-user chat, and for how many users. Progress goes to stderr, the report',
    'to stdout.',
    '',
    'Examples:',
    '  stagegate --driver local                    # the reference stage as local processes',
    '  stagegate --driver external --base-url https://stage.example.com --json report.json',
    '  stagegate --driver local --baseline-report main.json   # what changed since an earlier report',
    '  stagegate --mode publish --report-file report.json --pull-request-number 7',
    '      # prints the PR comment it would post; posts it when GITHUB_TOKEN and GITHUB_REPOSITORY are set',
    '',
    'Exit status: 0 ready (per --fail-on), 1 not ready or boot failed, 2 bad flags.',
    'With --mode publish: 0 printed or posted, 1 not posted, 2 bad flags or a refused report.',
    '',
    'Gate options (also the action inputs of the same name):',
  ];
  for (const option of GATE_OPTIONS) out.push(...describeFlag(option));
  out.push('', 'CLI flags:');
  for (const entry of CLI_FLAGS) out.push(`  --${entry.flag}`, ...wrap(entry.description, 92, '      '));
  for (const option of GITHUB_OPTIONS) if (option.surfaces.includes('cli')) out.push(...describeFlag(option));
  out.push(
    '',
    'Booleans may be bare (--keep-stage) or negated (--no-build). List flags take a comma-separated',
    'value or may be repeated; --llm-questions takes one question per occurrence (questions may contain commas).',
    '',
  );
  return out.join('\n');
}
