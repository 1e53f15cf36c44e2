/**
 * The one fixed-width text table for terminals and logs (the report's evidence, `docker compose ps`-like
 * service lists): each column padded to its widest cell, two spaces between columns, the last column of
 * a row left as it is, and no trailing spaces.
 */

/** Rows of cells as lines. Rows may have different lengths; widths count UTF-16 units, as padEnd does. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The same table as one block of text. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  return alignColumns(rows).join('\n');
}
