/**
 * Escaping of stage-supplied text for each place a renderer puts it. A stage under test is untrusted:
 * its replica ids, log lines and error strings end up in a PR comment, so nothing it says may open a
 * link, a tag, a code fence, an HTML comment, a mention, or a terminal escape sequence.
 */

/** C0/C1 controls (tab and newline handled apart) and the bidi overrides that can reorder what is shown. */
const UNSAFE_CHARS =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** ANSI/VT escape sequences (CSI, OSC, and single-character escapes). */
// eslint-disable-next-line no-control-regex -- finding escape sequences is the point
const ANSI_SEQUENCE = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[@-Z\\-_])/g;
const ZERO_WIDTH_SPACE = '\u200B';

/** Shortens `text` to at most `maxChars` characters, marking the cut. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars <= 1) return '…'.slice(0, maxChars);
  // Do not split a surrogate pair: an orphan half renders as garbage.
  let end = maxChars - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** One line: control characters dropped, any line break folded into a space. */
export function toSingleLine(text: string): string {
  return text
    .replace(ANSI_SEQUENCE, '')
    .replace(/\r\n|\r|\n|\t/g, ' ')
    .replace(UNSAFE_CHARS, '');
}

/** Breaks @mentions (users and teams) so GitHub does not notify anyone a stage names. */
function breakMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9_-])/g, `@${ZERO_WIDTH_SPACE}`);
}

function escapeHtmlChars(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Text inside raw HTML (a `<summary>` element). No markdown is parsed there, so escaping the HTML
 * characters would do; markdown punctuation becomes numeric entities as well, so the text stays inert
 * even if a renderer did parse it. Mentions are broken because GitHub links them in HTML too.
 */
export function escapeHtmlInline(text: string, maxChars = Infinity): string {
  const escaped = escapeHtmlChars(truncateText(toSingleLine(text), maxChars));
  return breakMentions(escaped.replace(/[[\]()`*_~|\\!]/g, (ch) => `&#${ch.charCodeAt(0)};`));
}

/**
 * Text inside a markdown line (a table cell, after a heading's or item's prefix): one line, HTML
 * characters as entities, and the markdown characters that act inline backslash-escaped, so no
 * emphasis, link or image (`](javascript:...)` needs the `[`), code span, table pipe or strikethrough
 * can start from it.
 */
export function escapeMarkdownInline(text: string, maxChars = Infinity): string {
  const single = truncateText(toSingleLine(text).trim(), maxChars);
  return breakMentions(escapeHtmlChars(single.replace(/[\\`*_[\]|~]/g, (ch) => `\\${ch}`)));
}

/**
 * Text that starts a markdown line of its own (a paragraph): as escapeMarkdownInline, plus the
 * characters that act only at the start of a line (heading, list item, rule, numbered item).
 */
export function escapeMarkdownParagraph(text: string, maxChars = Infinity): string {
  return escapeMarkdownInline(text, maxChars)
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/**
 * A fenced code block holding `lines` verbatim. The fence is longer than any backtick run in the
 * content, so no line can close it; an HTML comment opener is broken so the raw comment body can
 * never carry something that looks like another comment's hidden marker.
 */
export function fencedCodeBlock(lines: readonly string[], maxLineChars = Infinity): string {
  const safe = lines.map((line) =>
    truncateText(
      line
        .replace(ANSI_SEQUENCE, '')
        .replace(/\t/g, '  ')
        .replace(/\r/g, '')
        .replace(UNSAFE_CHARS, '')
        .replace(/<!--/g, `<!${ZERO_WIDTH_SPACE}--`),
      maxLineChars,
    ),
  );
  // A line break inside an element would start a new line of the block; split it there instead.
  const content = safe.flatMap((line) => line.split('\n'));
  let longestRun = 0;
  for (const line of content) {
    for (const run of line.match(/`+/g) ?? []) longestRun = Math.max(longestRun, run.length);
  }
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${content.join('\n')}\n${fence}`;
}

/** Text for a terminal: escape sequences and controls removed, so a stage cannot move the cursor or recolour. */
export function sanitizeForTerminal(text: string, maxChars = Infinity): string {
  return truncateText(toSingleLine(text), maxChars);
}

/**
 * Text for a GitHub Actions log that cannot run a workflow command. The runner executes a line that
 * starts (after spaces) with `::` and any `##[` anywhere in a line, on stdout and stderr alike, and
 * stage-supplied text (check reasons quoting what a stage answered, its logs) reaches the log. A
 * zero-width space breaks both markers; everything else is left as it is.
 */
export function neutralizeWorkflowCommands(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) =>
      line.replace(/^(\s*):(?=:)/, `$1:${ZERO_WIDTH_SPACE}`).replace(/##\[/g, `#${ZERO_WIDTH_SPACE}#[`),
    )
    .join('\n');
}
