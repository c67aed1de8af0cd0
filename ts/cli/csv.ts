// Cells of the CSV (and JSON Lines) files the commands write.

/** A text cell, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A float32 value as the shortest decimal that reads back to the same float32 (2.3, not 2.2999999523): nine
 * significant digits always do, fewer usually. NaN and ±Infinity pass through.
 */
export function float32Number(value: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}
