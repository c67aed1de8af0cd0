// The compact binary of the embedded sample (before gzip): a 20-byte little-endian header, then the
// labels (u8), then the pixels (u8, row-major, `features` per row).
//   bytes 0–3  magic "OLDS"    4–7  version (1)    8–11  count    12–15  features    16–19  classes
// scripts/make-sample.ts writes it; the loader reads it.
import type { Dataset } from "../types.js";
import { DataError } from "./errors.js";

const MAGIC = "OLDS";
const VERSION = 1;
const HEADER_BYTES = 20;

export function encodeDataset(dataset: Dataset): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + dataset.count * (1 + dataset.features));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, dataset.count, true);
  view.setUint32(12, dataset.features, true);
  view.setUint32(16, dataset.classes, true);
  bytes.set(dataset.labels.subarray(0, dataset.count), HEADER_BYTES);
  bytes.set(dataset.pixels.subarray(0, dataset.count * dataset.features), HEADER_BYTES + dataset.count);
  return bytes;
}

export function decodeDataset(bytes: Uint8Array, file: string, source: string): Dataset {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < HEADER_BYTES || magic !== MAGIC) {
    throw new DataError(`${file}: not an optimlab dataset (magic "${magic}", expected "${MAGIC}")`, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION)
    throw new DataError(`${file}: dataset format version ${version}, this reader knows ${VERSION}`, { file });
  const count = view.getUint32(8, true);
  const features = view.getUint32(12, true);
  const classes = view.getUint32(16, true);
  const expected = HEADER_BYTES + count * (1 + features);
  if (bytes.length !== expected) {
    throw new DataError(
      `${file}: ${bytes.length} bytes, the header declares ${count} rows of ${features} features (${expected} bytes)`,
      { file },
    );
  }
  const labels = bytes.slice(HEADER_BYTES, HEADER_BYTES + count);
  const pixels = bytes.slice(HEADER_BYTES + count, expected);
  return { pixels, labels, count, features, classes, source };
}
