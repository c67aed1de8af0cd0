// The one error class of the data readers. Messages name the file, line and column where they exist,
// and the same facts are fields, so callers can point at the spot without parsing the message.

/** Bad or unreadable input data. `line` and `column` are 1-based (column = field number in a CSV row). */
export class DataError extends Error {
  override name = "DataError";
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(message: string, where: { file?: string; line?: number; column?: number } = {}) {
    super(message);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}
