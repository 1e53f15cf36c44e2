import assert from 'node:assert/strict';

/**
 * The markdown with its fenced code blocks removed: code blocks show text verbatim (no HTML, links or
 * mentions), so what must be escaped is everything else. A block ends only at a fence of its own length.
 */
export function outsideCode(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    if (fence === undefined) {
      const open = /^(`{3,})/.exec(line);
      if (open) fence = open[1];
      else out.push(line);
    } else if (line === fence) {
      fence = undefined;
    }
  }
  assert.equal(fence, undefined, 'every code block is closed');
  return out.join('\n');
}
