/**
 * The user docs' relative links and anchors, checked by remark-validate-links: every link to a file
 * must name one that exists, and every `#anchor` (in the same page or another) a heading GitHub gives
 * that id. The files are processed together by unified-engine, so links into other pages are checked
 * against those pages' headings. Runs in-process (no `git`): the repository is given, not discovered.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { remark } from 'remark';
import remarkGfm from 'remark-gfm';
import remarkValidateLinks, { type Options } from 'remark-validate-links';
import type { Pluggable } from 'unified';
import { engine } from 'unified-engine';

export interface BrokenLink {
  file: string;
  line: number | undefined;
  message: string;
}

/** README.md and the other markdown files at the top, and every page under docs/. */
export function userDocs(root: string): string[] {
  const top = readdirSync(root).filter((name) => name.endsWith('.md'));
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return [...top, ...docs].sort();
}

/** Every link of `files` (relative to `root`) that does not resolve, with where it is. */
export function findBrokenLinks(root: string, files: string[]): Promise<BrokenLink[]> {
  return new Promise((resolve, reject) => {
    engine(
      {
        processor: remark().use(remarkGfm),
        cwd: root,
        files: files.map((file) => join(root, file)),
        extensions: ['md'],
        // The engine hands the plugin its file set, through which links into other pages are checked. (The
        // plugin's declared second parameter, that file set, is not in unified's Plugin type: hence the cast.)
        plugins: [
          [remarkValidateLinks, { repository: false, root } satisfies Options] as unknown as Pluggable,
        ],
        detectConfig: false,
        detectIgnore: false,
        ignoreName: undefined,
        output: false,
        out: false,
        silent: true,
        quiet: true,
        color: false,
        // The engine reports through this stream; the messages are read from the files below.
        streamError: { write: () => true } as unknown as NodeJS.WriteStream,
      },
      (error, _code, context) => {
        if (error) return reject(error);
        const broken = (context?.files ?? []).flatMap((file) =>
          file.messages.map((message) => ({
            file: relative(root, file.path),
            line: message.line,
            message: message.reason,
          })),
        );
        resolve(broken);
      },
    );
  });
}
