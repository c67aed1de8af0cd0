// CSV → labelled dataset, streaming. Text arrives in chunks (a string sliced, a File/Blob's stream, a
// Node file or stream via csv-node.ts); papaparse's parser splits each chunk into rows, and each row's
// fields go straight into a growing u8 (or f32) buffer, so a 76 MB file never exists as strings or
// objects beyond the chunk being parsed. Browser-safe: no Node imports; runs in any worker.
import Papa from "papaparse";
import type { Dataset } from "../types.js";
import { DataError } from "./errors.js";

/** A Dataset read with float features (`values: "f32"`, or a `target` column): `inputs` instead of u8 pixels. */
export type FloatDataset = Dataset & { inputs: Float32Array };

export interface CsvOptions {
  /** The input's name in errors and in the dataset's `source` (default: the File's name, else "<csv>"). */
  file?: string;
  /** Whether the first row names the columns; "auto" (default): it does when any of its fields is not a number. */
  header?: boolean | "auto";
  /**
   * The label column: a name from the header or a 0-based field index. Default: the column "label" if the header has
   * one, else the first. `null`: the file has no label column (every column is a feature: an autoencoder's data).
   */
  label?: string | number | null;
  /**
   * A numeric column read as each row's target value (a float) for regression, by header name or 0-based index (−1:
   * the last column). The other columns are features, read as floats; the file then has no label column.
   */
  target?: string | number;
  /** "u8" (default): integer values 0–255, e.g. pixels; "f32": any finite numbers (with `target`, always). */
  values?: "u8" | "f32";
  /** Labels must be below this; default: the largest label + 1 (labels are integers 0–255 in any case). */
  classes?: number;
  /** "fail" (default): the first bad row throws; "skip": bad rows are counted, the first few reasons kept. */
  onBadRow?: "fail" | "skip";
  /** Field separator (default ","). */
  delimiter?: string;
  /** Expected total size in characters (bytes for ASCII); sizes the buffers up front. Set for strings, Files and paths. */
  sizeHint?: number;
  /** Characters per parsed chunk for string input (default 1 MiB). */
  chunkSize?: number;
  /** Called after each parsed chunk with how far the read has come: a progress bar for large files. */
  onProgress?: (progress: CsvProgress) => void;
}

/** How far a read has come. */
export interface CsvProgress {
  /** Characters read so far (bytes, for ASCII text). */
  read: number;
  /** The input's size when known (sizeHint; set for strings, Files and paths). */
  total?: number;
  /** Rows stored so far. */
  rows: number;
}

export interface CsvResult<D> {
  dataset: D;
  /** The header's column names, or null when the file has no header. */
  columns: string[] | null;
  /** Number of bad rows left out (always 0 with onBadRow "fail"). */
  skippedRows: number;
  /** The messages of the first few skipped rows. */
  skipReasons: string[];
  /** The largest label read and the line where it first appears (see describeClasses). */
  largestLabel: { label: number; line: number };
}

/** Anything csv.ts reads: text, a File/Blob, a byte stream (fetch body, Blob.stream()) or text chunks. */
export type CsvInput = string | Blob | ReadableStream<Uint8Array> | AsyncIterable<string> | Iterable<string>;

const KEPT_REASONS = 5;
const DEFAULT_CHUNK = 1 << 20;
/** How much a reserved row buffer grows at a time. */
const GROWTH_STEP_BYTES = 4 << 20;

// papaparse's low-level parser (Papa.Parser at run time; @types/papaparse gives that name to the
// handle class): parse(text, baseIndex, ignoreLastRow) returns the complete rows and, in meta.cursor,
// where the unfinished last row starts, which is how Papa's own chunk streamers use it.
interface RowParser {
  parse(
    input: string,
    baseIndex: number,
    ignoreLastRow: boolean,
  ): {
    data: string[][];
    errors: { message: string; row?: number }[];
    meta: { cursor: number };
  };
}
type RowParserClass = new (config: { delimiter: string; newline: string }) => RowParser;
const RowParserClass = (Papa as unknown as { Parser: RowParserClass }).Parser;

/**
 * The chunks with every line end, CRLF, LF or a lone CR, as LF, so that a file mixing them (edited on two systems)
 * reads line by line. A CR ending a chunk is held back until the next chunk shows whether an LF follows it.
 */
async function* unifyLineEnds(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let heldCr = false;
  for await (const raw of chunks) {
    if (raw === "") continue;
    let chunk: string = heldCr ? `\r${raw}` : raw;
    heldCr = chunk.endsWith("\r");
    if (heldCr) chunk = chunk.slice(0, -1);
    if (chunk !== "") yield chunk.includes("\r") ? chunk.replace(/\r\n?/g, "\n") : chunk;
  }
  if (heldCr) yield "\n";
}

/** A field of 1–3 ASCII digits as its value 0–255, else -1 (then the slow path decides). */
function parseByte(field: string): number {
  const length = field.length;
  if (length === 0 || length > 3) return -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = field.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value <= 255 ? value : -1;
}

/** Number(field), or NaN for an empty/blank field (which Number would read as 0). */
function parseNumber(field: string): number {
  const value = Number(field);
  if (value === 0 && field.trim() === "") return Number.NaN;
  return value;
}

function quote(field: string): string {
  return field === "" ? "empty field" : `"${field.length > 40 ? `${field.slice(0, 40)}…` : field}" is not a number`;
}

type Elements = Uint8Array | Float32Array;
interface ElementsClass<T extends Elements> {
  new (length: number): T;
  new (buffer: ArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * Rows of `width` numbers in one growing array. When the input's size bounds the number of rows, the array lives in a
 * resizable ArrayBuffer reserved for that bound (address space only) and grows and finally shrinks in place: memory
 * stays at what the rows hold, without the copies of growing (a 1 GB file never needs twice its decoded size). Else,
 * or where resizable buffers are missing, it grows by copying into larger arrays.
 */
class RowStore<T extends Elements> {
  array: T;
  private buffer: ArrayBuffer | undefined;

  constructor(
    private readonly Type: ElementsClass<T>,
    private readonly width: number,
    maxRows: number | undefined,
  ) {
    this.buffer = maxRows === undefined ? undefined : reserveBuffer(maxRows * width * Type.BYTES_PER_ELEMENT);
    this.array = this.buffer ? new Type(this.buffer) : new Type(0);
  }

  /** Whether the rows grow in place (in a reserved resizable buffer) rather than by copying. */
  get inPlace(): boolean {
    return this.buffer !== undefined;
  }

  /** Room for `rows` rows, keeping the first `kept`. */
  grow(rows: number, kept: number): void {
    const length = rows * this.width;
    const bytes = length * this.Type.BYTES_PER_ELEMENT;
    const buffer = this.buffer as (ArrayBuffer & { resize(bytes: number): void; maxByteLength: number }) | undefined;
    if (buffer && bytes <= buffer.maxByteLength) {
      buffer.resize(bytes); // the array tracks the buffer's length
      return;
    }
    this.buffer = undefined; // the bound was wrong (a sizeHint too small): copy from now on
    const grown = new this.Type(length);
    grown.set(this.array.subarray(0, kept * this.width));
    this.array = grown;
  }

  /** Exactly the first `rows` rows. */
  finish(rows: number): T {
    const length = rows * this.width;
    if (this.array.length === length) return this.array;
    if (this.buffer) {
      this.grow(rows, rows); // shrinks in place
      return this.array;
    }
    return this.array.slice(0, length) as T;
  }
}

/** A resizable ArrayBuffer of up to `maxBytes`, empty for now; undefined where there are none, or no room to reserve. */
function reserveBuffer(maxBytes: number): ArrayBuffer | undefined {
  if (!("resize" in ArrayBuffer.prototype)) return undefined;
  try {
    return new (ArrayBuffer as new (length: number, options: { maxByteLength: number }) => ArrayBuffer)(0, {
      maxByteLength: maxBytes,
    });
  } catch {
    return undefined;
  }
}

/** Receives the parsed rows in order and fills the buffers. */
class RowSink {
  readonly file: string;
  private readonly skip: boolean;
  private readonly floats: boolean;
  private readonly classesOption?: number;
  private readonly labelOption?: string | number | null;
  private readonly targetOption?: string | number;
  private headerOption: boolean | "auto";

  columns: string[] | null = null;
  private started = false;
  private fieldCount = 0;
  /** The label column, −1 when the file has none. */
  private labelIndex = 0;
  /** The target column, −1 when the file has none. */
  private targetIndex = -1;
  private features = 0;

  private capacity = 0;
  /** Most rows the input can hold, when its size is known. */
  private maxRows: number | undefined;
  private values: RowStore<Uint8Array> | RowStore<Float32Array> | undefined;
  private labels: RowStore<Uint8Array> | undefined;
  private targets: RowStore<Float32Array> | undefined;
  count = 0;
  private largestLabel = -1;
  private largestLabelLine = 0;

  /** Lines consumed so far; the next row starts on line + 1. */
  private line = 0;
  private headerLine = 0;
  skippedRows = 0;
  skipReasons: string[] = [];

  sizeHint: number;
  /** Characters read so far (for sizing the buffers from sizeHint, and progress). */
  consumed = 0;

  constructor(options: CsvOptions, file: string) {
    this.file = file;
    this.skip = options.onBadRow === "skip";
    this.floats = options.values === "f32" || options.target !== undefined;
    this.classesOption = options.classes;
    this.labelOption = options.label;
    this.targetOption = options.target;
    if (options.target !== undefined && options.label !== undefined && options.label !== null)
      throw new RangeError("give label or target, not both: a file with a target column has no label column");
    this.headerOption = options.header ?? "auto";
    this.sizeHint = options.sizeHint ?? 0;
    if (
      options.classes !== undefined &&
      !(Number.isInteger(options.classes) && options.classes >= 1 && options.classes <= 256)
    ) {
      throw new RangeError(`classes must be an integer in 1 … 256, got ${options.classes}`);
    }
  }

  private where(column?: number): string {
    const line = this.line;
    if (column === undefined) return `${this.file}, line ${line}`;
    const name = this.columns ? ` (${this.columns[column - 1]})` : "";
    return `${this.file}, line ${line}, column ${column}${name}`;
  }

  private error(message: string, column?: number): DataError {
    return new DataError(`${this.where(column)}: ${message}`, { file: this.file, line: this.line, column });
  }

  /** Lines spanned by a row beyond its first (a quoted field may hold line breaks). */
  private extraLines(row: string[]): number {
    let lines = 0;
    for (const field of row) {
      for (let at = field.indexOf("\n"); at !== -1; at = field.indexOf("\n", at + 1)) lines++;
    }
    return lines;
  }

  private isNumeric(field: string): boolean {
    return !Number.isNaN(parseNumber(field));
  }

  /** Reads the first non-blank row: a header (names) or the first data row; fixes the column layout. */
  private start(row: string[]): boolean {
    this.started = true;
    if (row[0].charCodeAt(0) === 0xfeff) row[0] = row[0].slice(1);
    const isHeader = this.headerOption === "auto" ? row.some((field) => !this.isNumeric(field)) : this.headerOption;
    this.fieldCount = row.length;
    if (isHeader) {
      this.columns = row.map((name) => name.trim());
      this.headerLine = this.line;
    }
    const label = this.labelOption;
    if (this.targetOption !== undefined) {
      this.labelIndex = -1;
      this.targetIndex = this.columnIndex(this.targetOption, "target");
    } else if (label === null) {
      this.labelIndex = -1;
    } else if (typeof label === "string") {
      if (!this.columns) {
        throw new DataError(
          `${this.file}: the label column "${label}" is given by name, but the file has no header (line ${this.line} is numbers)`,
          { file: this.file, line: this.line },
        );
      }
      this.labelIndex = this.columns.indexOf(label);
      if (this.labelIndex === -1) {
        const shown =
          this.columns.length > 4
            ? `${this.columns.slice(0, 3).join(", ")}, …, ${this.columns.at(-1)}`
            : this.columns.join(", ");
        throw this.error(`no column named "${label}" in the header; its ${this.columns.length} columns are ${shown}`);
      }
    } else if (typeof label === "number") {
      if (!(Number.isInteger(label) && label >= 0 && label < this.fieldCount)) {
        throw this.error(
          `label column index ${label} is out of range: rows have ${this.fieldCount} fields (indices 0 … ${this.fieldCount - 1})`,
        );
      }
      this.labelIndex = label;
    } else {
      this.labelIndex = Math.max(0, this.columns?.indexOf("label") ?? 0);
    }
    this.features = this.fieldCount - (this.labelIndex >= 0 ? 1 : 0) - (this.targetIndex >= 0 ? 1 : 0);
    if (this.features === 0)
      throw this.error(
        `rows have a single field: there is a ${this.targetIndex >= 0 ? "target" : "label"} but no feature column`,
      );
    // A stored row has a character per field at least, a delimiter between fields and a line end.
    this.maxRows = this.sizeHint > 0 ? Math.floor((this.sizeHint + 1) / (2 * this.fieldCount)) : undefined;
    this.values = this.floats
      ? new RowStore(Float32Array, this.features, this.maxRows)
      : new RowStore(Uint8Array, this.features, this.maxRows);
    this.labels = new RowStore(Uint8Array, this.labelIndex >= 0 ? 1 : 0, this.maxRows);
    if (this.targetIndex >= 0) this.targets = new RowStore(Float32Array, 1, this.maxRows);
    return isHeader;
  }

  /** A column given by header name or 0-based index (negative: from the end). */
  private columnIndex(column: string | number, what: string): number {
    if (typeof column === "string") {
      const index = this.columns?.indexOf(column) ?? -1;
      if (!this.columns)
        throw new DataError(
          `${this.file}: the ${what} column "${column}" is given by name, but the file has no header (line ${this.line} is numbers)`,
          { file: this.file, line: this.line },
        );
      if (index === -1) throw this.error(`no column named "${column}" in the header`);
      return index;
    }
    const index = column < 0 ? this.fieldCount + column : column;
    if (!(Number.isInteger(column) && index >= 0 && index < this.fieldCount))
      throw this.error(
        `${what} column index ${column} is out of range: rows have ${this.fieldCount} fields (indices 0 … ${this.fieldCount - 1}, or −1 … −${this.fieldCount} from the end)`,
      );
    return index;
  }

  /** Makes room for `rows` rows, sized from the share of the input read so far when its size is known. */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    let next = Math.max(rows, Math.ceil(this.capacity * 1.5), 256);
    if (this.values!.inPlace) {
      // Growing in place costs no copy: grow by a few MB at a time, so that memory follows the rows read.
      const step = Math.ceil(GROWTH_STEP_BYTES / (this.features * (this.floats ? 4 : 1)));
      next = Math.max(rows, Math.min(rows + step, this.maxRows!));
    } else if (this.sizeHint > 0 && this.consumed > 0) {
      const estimate = Math.ceil((rows * this.sizeHint * 1.02) / this.consumed) + 16;
      next = Math.max(rows, Math.min(Math.max(estimate, Math.ceil(this.capacity * 1.125)), this.maxRows ?? Infinity));
    }
    this.values!.grow(next, this.count);
    this.labels!.grow(next, this.count);
    this.targets?.grow(next, this.count);
    this.capacity = next;
  }

  /** Why the row is bad, or undefined when it is stored (as row `count`, which then grows by one). */
  private store(row: string[]): DataError | undefined {
    if (row.length !== this.fieldCount) {
      return this.error(
        `${row.length} ${row.length === 1 ? "field" : "fields"}, expected ${this.fieldCount}${this.columns ? " (as in the header)" : " (as in the first row)"}`,
      );
    }
    this.reserve(this.count + 1);
    const { labelIndex, targetIndex } = this;
    let label = -1;
    if (labelIndex >= 0) {
      const labelField = row[labelIndex];
      label = parseByte(labelField);
      if (label === -1) {
        const value = parseNumber(labelField);
        if (Number.isNaN(value)) return this.error(quote(labelField), labelIndex + 1);
        if (!Number.isInteger(value)) return this.error(`label ${labelField} is not an integer`, labelIndex + 1);
        label = value;
      }
      const classes = this.classesOption ?? 256;
      if (label < 0 || label >= classes) {
        const range = this.classesOption === undefined ? "0–255" : `0–${classes - 1} (classes: ${classes})`;
        return this.error(`label ${labelField} is out of range ${range}`, labelIndex + 1);
      }
    }
    if (targetIndex >= 0) {
      const target = parseNumber(row[targetIndex]);
      if (!Number.isFinite(target))
        return this.error(
          Number.isNaN(target) ? quote(row[targetIndex]) : `${row[targetIndex]} is not a finite number`,
          targetIndex + 1,
        );
      this.targets!.array[this.count] = target;
    }
    let at = this.count * this.features;
    if (this.floats) {
      const values = this.values!.array as Float32Array;
      for (let i = 0; i < row.length; i++) {
        if (i === labelIndex || i === targetIndex) continue;
        const value = parseNumber(row[i]);
        if (!Number.isFinite(value))
          return this.error(Number.isNaN(value) ? quote(row[i]) : `${row[i]} is not a finite number`, i + 1);
        values[at++] = value;
      }
    } else {
      const bytes = this.values!.array as Uint8Array;
      for (let i = 0; i < row.length; i++) {
        if (i === labelIndex) continue;
        let value = parseByte(row[i]);
        if (value === -1) {
          const field = row[i];
          value = parseNumber(field);
          if (Number.isNaN(value)) return this.error(quote(field), i + 1);
          if (value < 0 || value > 255)
            return this.error(
              `value ${field} is outside 0–255 (u8 data; read with values: "f32" for other numbers)`,
              i + 1,
            );
          if (!Number.isInteger(value))
            return this.error(
              `value ${field} is not an integer (u8 data; read with values: "f32" for other numbers)`,
              i + 1,
            );
        }
        bytes[at++] = value;
      }
    }
    if (labelIndex >= 0) this.labels!.array[this.count] = label;
    if (label > this.largestLabel) {
      this.largestLabel = label;
      this.largestLabelLine = this.line;
    }
    this.count++;
    return undefined;
  }

  /**
   * Takes the rows of one parsed chunk; `parseErrors` are papaparse's (malformed quotes), by row index.
   * `quoted`: the chunk had quote characters, so a field may hold line breaks that the line count must skip.
   */
  take(rows: string[][], parseErrors: { message: string; row?: number }[], quoted: boolean): void {
    const quoteErrors = new Map<number, string>();
    for (const { message, row } of parseErrors)
      if (row !== undefined && row < rows.length && !quoteErrors.has(row)) quoteErrors.set(row, message);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      this.line++;
      if (row.length === 1 && row[0].trim() === "") continue; // a blank line is not a row
      if (!this.started && this.start(row)) {
        if (quoted) this.line += this.extraLines(row);
        continue;
      }
      const quoteError = quoteErrors.get(r);
      const problem = quoteError === undefined ? this.store(row) : this.error(quoteError.toLowerCase());
      if (problem) {
        if (!this.skip) throw problem;
        this.skippedRows++;
        if (this.skipReasons.length < KEPT_REASONS) this.skipReasons.push(problem.message);
      }
      if (quoted) this.line += this.extraLines(row);
    }
  }

  finish(source: string): CsvResult<Dataset> {
    if (!this.started) throw new DataError(`${this.file}: the file is empty`, { file: this.file });
    if (this.count === 0) {
      if (this.skippedRows > 0) {
        throw new DataError(
          `${this.file}: all ${this.skippedRows} data rows are bad; the first: ${this.skipReasons[0]}`,
          { file: this.file },
        );
      }
      throw new DataError(`${this.file}: no data rows after the header on line ${this.headerLine}`, {
        file: this.file,
        line: this.headerLine,
      });
    }
    const { count, features } = this;
    const labels = this.labels!.finish(this.labelIndex >= 0 ? count : 0);
    const classes = this.labelIndex >= 0 ? (this.classesOption ?? this.largestLabel + 1) : 0;
    const common = {
      columns: this.columns,
      skippedRows: this.skippedRows,
      skipReasons: this.skipReasons,
      largestLabel: { label: this.largestLabel, line: this.largestLabelLine },
    };
    const targets = this.targets?.finish(count);
    if (this.floats) {
      const inputs = (this.values as RowStore<Float32Array>).finish(count);
      const dataset: FloatDataset = { pixels: new Uint8Array(0), inputs, labels, count, features, classes, source };
      if (targets) dataset.targets = targets;
      return { dataset, ...common };
    }
    const pixels = (this.values as RowStore<Uint8Array>).finish(count);
    return { dataset: { pixels, labels, count, features, classes, source }, ...common };
  }
}

/**
 * The classes a read gave, and where to look if they are not what the file meant: "11 classes (labels 0–10); label 10
 * first at line 3" (classes inferred from the largest label), or "10 classes (labels 0–9); the largest in the file, 7,
 * first at line 12" (classes given).
 */
export function describeClasses(result: CsvResult<Dataset>): string {
  const { classes } = result.dataset;
  if (classes === 0)
    return result.dataset.targets ? "no classes: a numeric target per row (regression)" : "no label column";
  const { label, line } = result.largestLabel;
  const range = `${classes} ${classes === 1 ? "class" : "classes"} (labels 0–${classes - 1})`;
  return label === classes - 1
    ? `${range}; label ${label} first at line ${line}`
    : `${range}; the largest in the file, ${label}, first at line ${line}`;
}

/** Parses CSV text arriving in chunks of any size (rows may straddle chunks). The core of every reader. */
export async function parseCsvChunks(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: CsvOptions & { values: "f32" },
): Promise<CsvResult<FloatDataset>>;
export async function parseCsvChunks(
  chunks: AsyncIterable<string> | Iterable<string>,
  options?: CsvOptions,
): Promise<CsvResult<Dataset>>;
export async function parseCsvChunks(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: CsvOptions = {},
): Promise<CsvResult<Dataset>> {
  const file = options.file ?? "<csv>";
  const sink = new RowSink(options, file);
  const delimiter = options.delimiter ?? ",";
  const parser = new RowParserClass({ delimiter, newline: "\n" });
  const { onProgress, sizeHint } = options;
  async function* counted(): AsyncGenerator<string> {
    for await (const chunk of chunks) {
      sink.consumed += chunk.length;
      yield chunk;
    }
  }
  let pending = "";
  for await (const chunk of unifyLineEnds(counted())) {
    pending += chunk;
    const quoted = pending.includes('"');
    const { data, errors, meta } = parser.parse(pending, 0, true);
    pending = pending.slice(meta.cursor);
    sink.take(data, errors, quoted);
    onProgress?.({ read: sink.consumed, total: sizeHint, rows: sink.count });
  }
  if (pending !== "") {
    const { data, errors } = parser.parse(pending, 0, false);
    sink.take(data, errors, pending.includes('"'));
    onProgress?.({ read: sink.consumed, total: sizeHint, rows: sink.count });
  }
  return sink.finish(file);
}

function* sliceText(text: string, size: number): Generator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

/** The text chunks of a byte stream, decoded as UTF-8; the stream is cancelled if reading stops early. */
export async function* decodeByteStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true }); // the row reader strips the BOM itself
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        const rest = decoder.decode();
        if (rest) yield rest;
        return;
      }
      yield decoder.decode(next.value, { stream: true });
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/**
 * Reads a labelled dataset from CSV: a string, a File/Blob (e.g. from an <input type=file>, in the page
 * or a worker), a byte stream, or text chunks. Kaggle's MNIST train.csv (`label,pixel0,…,pixel783`) reads
 * with the defaults.
 */
export async function readCsv(
  input: CsvInput,
  options: CsvOptions & { values: "f32" },
): Promise<CsvResult<FloatDataset>>;
export async function readCsv(input: CsvInput, options?: CsvOptions): Promise<CsvResult<Dataset>>;
export async function readCsv(input: CsvInput, options: CsvOptions = {}): Promise<CsvResult<Dataset>> {
  if (typeof input === "string") {
    return parseCsvChunks(sliceText(input, options.chunkSize ?? DEFAULT_CHUNK), { sizeHint: input.length, ...options });
  }
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    const name = (input as Partial<File>).name;
    return parseCsvChunks(decodeByteStream(input.stream()), {
      sizeHint: input.size,
      ...(name ? { file: name } : {}),
      ...options,
    });
  }
  if (typeof ReadableStream !== "undefined" && input instanceof ReadableStream) {
    return parseCsvChunks(decodeByteStream(input), options);
  }
  return parseCsvChunks(input as AsyncIterable<string> | Iterable<string>, options);
}

export interface CsvWriteOptions {
  /** Write the header `label,pixel0,…` (default true). */
  header?: boolean;
  /** Rows per yielded chunk (default 256). */
  rowsPerChunk?: number;
}

/**
 * The dataset as CSV in Kaggle's MNIST layout (label first, then the features; a dataset without labels has no label
 * column, one with targets a last column `target`), in chunks of rows, "\n" line ends.
 */
export function* toCsvChunks(dataset: Dataset, options: CsvWriteOptions = {}): Generator<string> {
  const { header = true, rowsPerChunk = 256 } = options;
  const values = dataset.inputs ?? dataset.pixels;
  const { count, features, labels, targets } = dataset;
  const labelled = labels.length === count;
  const names = Array.from({ length: features }, (_, i) => `pixel${i}`);
  if (header) yield `${[...(labelled ? ["label"] : []), ...names, ...(targets ? ["target"] : [])].join(",")}\n`;
  for (let start = 0; start < count; start += rowsPerChunk) {
    const lines: string[] = [];
    for (let row = start; row < Math.min(count, start + rowsPerChunk); row++) {
      const fields: (number | string)[] = labelled ? [labels[row]] : [];
      for (let i = row * features; i < (row + 1) * features; i++) fields.push(values[i]);
      if (targets) fields.push(targets[row]);
      lines.push(fields.join(","));
    }
    yield `${lines.join("\n")}\n`;
  }
}

/** The whole dataset as one CSV string (see toCsvChunks). */
export function toCsv(dataset: Dataset, options: CsvWriteOptions = {}): string {
  return Array.from(toCsvChunks(dataset, options)).join("");
}
