// IDX, the format of the original MNIST and Fashion-MNIST files (http://yann.lecun.com/exdb/mnist/):
// a big-endian magic number 0x0000TTNN (TT data type, NN number of dimensions), NN big-endian u32
// sizes, then the data. MNIST uses unsigned bytes (TT = 0x08): 0x00000803 for images [count, 28, 28],
// 0x00000801 for labels [count]. Files may be gzipped (.gz), as they are distributed.
import type { Dataset } from "../types.js";
import { gunzip, isGzip } from "./bytes.js";
import { DataError } from "./errors.js";

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: "u8",
  0x09: "i8",
  0x0b: "i16",
  0x0c: "i32",
  0x0d: "f32",
  0x0e: "f64",
};

export interface IdxArray {
  /** Sizes of the dimensions, outermost first: [count, rows, cols] for images, [count] for labels. */
  dims: number[];
  data: Uint8Array;
}

function hex(magic: number): string {
  return `0x${magic.toString(16).padStart(8, "0")}`;
}

/** Decodes uncompressed IDX bytes of unsigned-byte data. `file` names the input in errors. */
export function decodeIdx(bytes: Uint8Array, file = "<idx>"): IdxArray {
  if (bytes.length < 4)
    throw new DataError(`${file}: truncated: ${bytes.length} bytes, an IDX file starts with a 4-byte magic number`, {
      file,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(type in TYPE_NAMES) || rank === 0) {
    throw new DataError(
      `${file}: not an IDX file: magic number ${hex(magic)}, expected 0x00000803 (images) or 0x00000801 (labels)`,
      { file },
    );
  }
  if (type !== UBYTE) {
    throw new DataError(
      `${file}: IDX data type ${TYPE_NAMES[type]} (magic ${hex(magic)}) is not supported; optimlab reads unsigned-byte IDX files (0x000008NN)`,
      { file },
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${file}: truncated: ${bytes.length} bytes, the header of a ${rank}-dimensional IDX file has ${headerBytes}`,
      { file },
    );
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const declared = dims.reduce((product, size) => product * size, 1);
  const present = bytes.length - headerBytes;
  if (present !== declared) {
    const shape = dims.join("×");
    const problem = present < declared ? "truncated" : "longer than declared";
    throw new DataError(
      `${file}: ${problem}: the header declares ${shape} = ${declared} bytes of data, the file has ${present}`,
      { file },
    );
  }
  return { dims, data: bytes.slice(headerBytes) };
}

/** Decodes IDX bytes, gunzipping them first when they are gzip data. */
export async function readIdx(bytes: Uint8Array, file = "<idx>"): Promise<IdxArray> {
  return decodeIdx(isGzip(bytes) ? await gunzip(bytes, file) : bytes, file);
}

export interface IdxPairOptions {
  /** Names in errors and in the dataset's `source` (default "<images>" and "<labels>"). */
  imagesFile?: string;
  labelsFile?: string;
  /** Number of classes; by default the largest label + 1. */
  classes?: number;
}

/** An images file (0x00000803 or any rank ≥ 2) and its labels file (0x00000801) as one Dataset. */
export async function readIdxPair(
  images: Uint8Array,
  labels: Uint8Array,
  options: IdxPairOptions = {},
): Promise<Dataset> {
  const { imagesFile = "<images>", labelsFile = "<labels>" } = options;
  const [imageArray, labelArray] = await Promise.all([readIdx(images, imagesFile), readIdx(labels, labelsFile)]);
  if (imageArray.dims.length < 2) {
    throw new DataError(
      `${imagesFile}: an images file has at least 2 dimensions (count, features…), this one has ${imageArray.dims.length}`,
      { file: imagesFile },
    );
  }
  if (labelArray.dims.length !== 1) {
    throw new DataError(
      `${labelsFile}: a labels file has 1 dimension, this one has ${labelArray.dims.length} (${labelArray.dims.join("×")})`,
      { file: labelsFile },
    );
  }
  const count = imageArray.dims[0];
  if (labelArray.dims[0] !== count) {
    throw new DataError(`${imagesFile} has ${count} images but ${labelsFile} has ${labelArray.dims[0]} labels`, {
      file: labelsFile,
    });
  }
  let largest = 0;
  for (const label of labelArray.data) largest = Math.max(largest, label);
  const classes = options.classes ?? largest + 1;
  if (largest >= classes) {
    const index = labelArray.data.findIndex((label) => label >= classes);
    throw new DataError(
      `${labelsFile}: label ${labelArray.data[index]} of item ${index} is out of range 0–${classes - 1} (classes: ${classes})`,
      { file: labelsFile },
    );
  }
  return {
    pixels: imageArray.data,
    labels: labelArray.data,
    count,
    features: imageArray.dims.slice(1).reduce((product, size) => product * size, 1),
    classes,
    source: `${imagesFile} + ${labelsFile}`,
  };
}
