// The messages between the CLI's thread and the worker thread that reads a data file for it (read-worker.ts).
import type { CsvOptions, CsvProgress } from "../data/csv.js";
import type { DataSplit } from "../types.js";

/** What to read (a CSV file with its options, or an IDX pair) and how to split it. */
export interface ReadRequest {
  csv?: { path: string } & Pick<CsvOptions, "label" | "classes" | "onBadRow">;
  idx?: { images: string; labels: string; classes?: number };
  split: { seed: number; testFraction: number };
}

/** The reading's progress, its outcome (the split in SharedArrayBuffers), or its error's name, message and place. */
export type ReadWorkerMessage =
  | { progress: CsvProgress }
  | {
      done: {
        data: DataSplit;
        source: string | undefined;
        /** describeClasses of a CSV's result. */
        classesText: string | undefined;
        skipped: { rows: number; reasons: string[] };
      };
    }
  | { error: { name: string; message: string; file?: string; line?: number; column?: number } };
