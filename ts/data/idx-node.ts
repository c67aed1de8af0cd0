// Node's IDX sources: files by path, gzipped or not.
import { readFile } from "node:fs/promises";
import type { Dataset } from "../types.js";
import { DataError } from "./errors.js";
import { readIdx, readIdxPair, type IdxArray } from "./idx.js";

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new DataError(`${path}: cannot read (${(cause as Error).message})`, { file: path });
  }
}

/** One IDX file (e.g. t10k-labels-idx1-ubyte.gz). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return readIdx(await readBytes(path), path);
}

/** An images file and its labels file, e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz. */
export async function readIdxFiles(
  imagesPath: string,
  labelsPath: string,
  options: { classes?: number } = {},
): Promise<Dataset> {
  const [images, labels] = await Promise.all([readBytes(imagesPath), readBytes(labelsPath)]);
  return readIdxPair(images, labels, { imagesFile: imagesPath, labelsFile: labelsPath, ...options });
}
