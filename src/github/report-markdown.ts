/**
 * The report as it goes to GitHub's two places, each within its limit: the job summary (bytes) and the
 * sticky PR comment (characters, less its hidden marker). The gate run and the publish run render
 * through these, so a published comment is the very text the gate run would have posted.
 */
import { COMMENT_MAX_CHARS, renderMarkdown, SUMMARY_MAX_BYTES } from '../report/markdown-renderer.js';
import type { GateReport } from '../report/model.js';
import type { TrendResult } from '../report/trend.js';
import { commentMarker } from './sticky-comment.js';

export function renderSummaryMarkdown(report: GateReport, trend?: TrendResult): string {
  return renderMarkdown(report, { maxBytes: SUMMARY_MAX_BYTES - 1024, ...(trend ? { trend } : {}) });
}

export function renderCommentMarkdown(report: GateReport, key: string, trend?: TrendResult): string {
  return renderMarkdown(report, {
    maxChars: COMMENT_MAX_CHARS - commentMarker(key).length - 64,
    ...(trend ? { trend } : {}),
  });
}
