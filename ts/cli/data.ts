// The data and training flags that compare, notebook and lr-find share, and the data they name.
import { describeClasses, loadMnistSample, readCsvFile, readIdxFiles, splitDataset } from "../index.js";
import type { Dataset, DataSplit } from "../types.js";
import { UsageError, flag, type FlagSpec, type ParsedFlags } from "./args.js";
import type { Io } from "./command.js";
import { readReporter } from "./progress.js";

export const DATA_FLAGS: Record<string, FlagSpec> = {
  csv: {
    kind: "string",
    value: "FILE",
    help: "train on a CSV file (Kaggle MNIST format by default: header label,pixel0,…)",
  },
  "label-column": {
    kind: "string",
    value: "NAME|INDEX",
    help: "the CSV's label column, by header name or 0-based index (default: label, else the first)",
  },
  "skip-bad-rows": {
    kind: "boolean",
    help: "leave out bad CSV rows (counted, first reasons printed) instead of stopping at the first",
  },
  idx: {
    kind: "string",
    arity: 2,
    value: "IMAGES LABELS",
    help: "train on IDX files (original MNIST format, gzipped or not)",
  },
  holdout: {
    kind: "number",
    value: "FRACTION",
    help: "share of a CSV/IDX file held out for evaluation (default 0.2; 0 for none)",
  },
  classes: {
    kind: "count",
    value: "N",
    help: "the data's classes: a label outside 0…N-1 is an error naming its line and column (default: the largest label + 1)",
  },
  limit: { kind: "count", value: "N", help: "use only the first N training rows (quick trials, tests)" },
};

export const TRAINING_FLAGS: Record<string, FlagSpec> = {
  layers: {
    kind: "string",
    value: "784,100,100,10",
    help: "MLP widths from input to output (default: features,100,100,classes)",
  },
  epochs: { kind: "count", value: "N", help: "passes over the training data (default 3)" },
  "batch-size": { kind: "count", value: "N", help: "rows per step (default 256; 64 in compare's default line-up)" },
  seed: {
    kind: "integer",
    value: "N",
    help: "seed of the split, the initial weights and the batch order, shared by all runs (default 0)",
  },
  workers: {
    kind: "count",
    value: "N",
    help: "worker threads running optimizers in parallel (default: number of cores)",
  },
  normalize: {
    kind: "integer",
    value: "255|256",
    help: "divide pixels by 255 (default) or by 256 as the notebook did",
  },
};

/** Reads the data the flags name (the embedded sample by default) and applies --limit. */
export async function loadData(flags: ParsedFlags, seed: number, io: Io): Promise<{ data: DataSplit; source: string }> {
  const csv = flag<string>(flags, "csv");
  const idx = flag<string[]>(flags, "idx");
  const holdout = flag<number>(flags, "holdout");
  if (csv !== undefined && idx !== undefined) throw new UsageError("give either --csv or --idx, not both");
  for (const csvOnly of ["label-column", "skip-bad-rows"]) {
    if (flags.has(csvOnly) && csv === undefined) throw new UsageError(`--${csvOnly} applies to --csv only`);
  }
  const classes = flag<number>(flags, "classes");
  if (classes !== undefined && csv === undefined && idx === undefined)
    throw new UsageError("--classes applies to --csv and --idx (the embedded sample has its 10 digits)");
  if (classes !== undefined && classes > 256)
    throw new UsageError(`--classes must be at most 256 (labels are bytes), got ${classes}`);
  if (holdout !== undefined && csv === undefined && idx === undefined) {
    throw new UsageError("--holdout applies to --csv and --idx (the embedded sample has its own 2,000-row test set)");
  }
  if (holdout !== undefined && !(holdout >= 0 && holdout < 1))
    throw new UsageError(`--holdout must be in [0, 1), got ${holdout}`);
  let data: DataSplit;
  let source: string;
  if (csv !== undefined || idx !== undefined) {
    let dataset: Dataset;
    if (csv !== undefined) {
      const column = flag<string>(flags, "label-column");
      const quiet = flags.has("quiet");
      const reading = readReporter(csv, io.stderr, { quiet });
      const result = await readCsvFile(csv, {
        ...(column === undefined ? {} : { label: /^\d+$/.test(column) ? Number(column) : column }),
        ...(classes === undefined ? {} : { classes }),
        onBadRow: flags.has("skip-bad-rows") ? "skip" : "fail",
        onProgress: (update) => reading.update(update),
      });
      reading.finish();
      if (result.skippedRows > 0) {
        io.stderr.write(
          `optimlab: left out ${result.skippedRows} bad rows of ${csv}; first: ${result.skipReasons.join("; ")}\n`,
        );
      }
      // Inferred classes are a guess worth seeing: labels 0–10 train an 11-class model without complaint.
      if (!quiet) io.stderr.write(`optimlab: ${csv}: ${describeClasses(result)}\n`);
      dataset = result.dataset;
    } else {
      const [images, labels] = idx!;
      dataset = await readIdxFiles(images, labels, classes === undefined ? {} : { classes });
    }
    source = dataset.source ?? csv ?? idx!.join(" + ");
    data = splitDataset(dataset, { seed, testFraction: holdout ?? 0.2 });
  } else {
    data = await loadMnistSample({ seed });
    source = data.train.source ?? "embedded MNIST sample";
  }
  const limit = flag<number>(flags, "limit");
  if (limit !== undefined && limit < data.train.count) {
    const { train } = data;
    data = {
      ...data,
      train: {
        ...train,
        count: limit,
        pixels: train.pixels.subarray(0, limit * train.features),
        labels: train.labels.subarray(0, limit),
      },
    };
  }
  return { data, source };
}
