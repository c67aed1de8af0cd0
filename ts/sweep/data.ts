// A run's data, read from its reference on whatever machine runs it: the embedded sample, a dataset by name
// (Fashion-MNIST from Debian's package, DeepOBS's quadratic data drawn in wasm), a CSV path or an http(s) URL, checked
// against the sha256 the spec gives before anything trains on it. Loaded once per process and shared by the runs
// that name the same data.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gunzip, isGzip } from "../data/bytes.js";
import { readCsv } from "../data/csv.js";
import { decodeDataset } from "../data/dataset-format.js";
import { MNIST_SAMPLE_SOURCE, mnistSampleUrl } from "../data/mnist-sample.js";
import { firstRows, splitDataset } from "../data/split.js";
import { readFashionMnist } from "../problems-node.js";
import { deepobsQuadraticData } from "../problems.js";
import type { DataSplit } from "../types.js";
import { compileModule } from "../wasm-node.js";
import { canonicalJson, type DataRef } from "./spec.js";

/** The bytes read are not the ones the spec names: the run fails (never retried) instead of training on other data. */
export class DataMismatchError extends Error {
  override name = "DataMismatchError";
}

/** What the reference points at, for messages: the path, the URL, the dataset, or the embedded sample's file. */
export function dataLocation(ref: DataRef): string {
  return ref.path ?? ref.url ?? ref.dataset ?? `the embedded MNIST sample (${mnistSampleUrl().pathname})`;
}

/** A dataset by name, as every machine has or makes it. */
function namedDataset(name: NonNullable<DataRef["dataset"]>): Promise<DataSplit> {
  return name === "fashion-mnist" ? readFashionMnist() : deepobsQuadraticData(() => compileModule());
}

async function readBytes(ref: DataRef): Promise<Uint8Array> {
  if (ref.url !== undefined) {
    const response = await fetch(ref.url);
    if (!response.ok) throw new Error(`${ref.url}: HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  return readFile(ref.path ?? mnistSampleUrl());
}

/** Reads and checks the data of `ref`, then splits it (and applies `limit`) as the reference says. */
export async function loadDataRef(ref: DataRef): Promise<DataSplit> {
  if (ref.dataset !== undefined) return withLimit(await namedDataset(ref.dataset), ref.limit);
  const location = dataLocation(ref);
  const bytes = await readBytes(ref);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (ref.sha256 !== undefined && sha256 !== ref.sha256)
    throw new DataMismatchError(
      `data ${location}: sha256 mismatch: read ${bytes.length} bytes with sha256 ${sha256}, the spec says ${ref.sha256}`,
    );
  let split: DataSplit;
  if (ref.sample !== undefined) {
    const dataset = decodeDataset(await gunzip(bytes, location), location, MNIST_SAMPLE_SOURCE);
    split = splitDataset(dataset, { testCount: ref.testCount ?? 2000, seed: ref.splitSeed ?? 0, shared: true });
  } else {
    const text = isGzip(bytes) ? await gunzip(bytes, location) : bytes;
    const { dataset } = await readCsv(new Blob([text as Uint8Array<ArrayBuffer>]), {
      file: location,
      ...(ref.label === undefined ? {} : { label: ref.label }),
      ...(ref.target === undefined ? {} : { target: ref.target }),
    });
    split = splitDataset(dataset, { testFraction: ref.holdout ?? 0.2, seed: ref.splitSeed ?? 0, shared: true });
  }
  return withLimit(split, ref.limit);
}

/** The split with only its first `limit` training rows. */
function withLimit(split: DataSplit, limit: number | undefined): DataSplit {
  return limit === undefined ? split : { ...split, train: firstRows(split.train, limit) };
}

/** Data loaded once per reference and kept for the next runs naming it (the few most recent references). */
export class DataCache {
  private readonly loaded = new Map<string, Promise<DataSplit>>();

  constructor(private readonly capacity = 4) {}

  get(ref: DataRef): Promise<DataSplit> {
    const key = canonicalJson(ref);
    let data = this.loaded.get(key);
    if (data === undefined) {
      data = loadDataRef(ref);
      // A failed read is not kept: the next run naming the data tries again.
      data.catch(() => this.loaded.delete(key));
      this.loaded.set(key, data);
      while (this.loaded.size > this.capacity) this.loaded.delete(this.loaded.keys().next().value!);
    } else {
      this.loaded.delete(key); // most recent last
      this.loaded.set(key, data);
    }
    return data;
  }
}
