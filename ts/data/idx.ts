// IDX, the format of the original MNIST and Fashion-MNIST files (http://yann.lecun.com/exdb/mnist/):
// a big-endian magic number 0x0000TTNN (TT data type, NN number of dimensions), NN big-endian u32
// sizes, then the data, big-endian. MNIST uses unsigned bytes (TT = 0x08): 0x00000803 for images [count, 28, 28],
// 0x00000801 for labels [count]; every IDX type reads (0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64). Files may be
// gzipped (.gz), as they are distributed.
import type { Dataset } from "../types.js";
import { gunzip, isGzip } from "./bytes.js";
import { DataError } from "./errors.js";

/** The IDX element types by their type byte: name, size, and how one big-endian value reads. */
const TYPES: Record<number, { name: IdxType; size: number; read: (view: DataView, at: number) => number }> = {
  0x08: { name: "u8", size: 1, read: (view, at) => view.getUint8(at) },
  0x09: { name: "i8", size: 1, read: (view, at) => view.getInt8(at) },
  0x0b: { name: "i16", size: 2, read: (view, at) => view.getInt16(at, false) },
  0x0c: { name: "i32", size: 4, read: (view, at) => view.getInt32(at, false) },
  0x0d: { name: "f32", size: 4, read: (view, at) => view.getFloat32(at, false) },
  0x0e: { name: "f64", size: 8, read: (view, at) => view.getFloat64(at, false) },
};

export type IdxType = "u8" | "i8" | "i16" | "i32" | "f32" | "f64";

export interface IdxArray {
  /** Sizes of the dimensions, outermost first: [count, rows, cols] for images, [count] for labels. */
  dims: number[];
  /** The element type the file declares. */
  type: IdxType;
  /** The values: a Uint8Array for u8 files, else the matching typed array (Int8Array … Float64Array), host order. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const ARRAYS = {
  u8: Uint8Array,
  i8: Int8Array,
  i16: Int16Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

function hex(magic: number): string {
  return `0x${magic.toString(16).padStart(8, "0")}`;
}

/** Decodes uncompressed IDX bytes of any element type. `file` names the input in errors. */
export function decodeIdx(bytes: Uint8Array, file = "<idx>"): IdxArray {
  if (bytes.length < 4)
    throw new DataError(`${file}: truncated: ${bytes.length} bytes, an IDX file starts with a 4-byte magic number`, {
      file,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(type in TYPES) || rank === 0) {
    throw new DataError(
      `${file}: not an IDX file: magic number ${hex(magic)}, expected 0x00000803 (images) or 0x00000801 (labels)`,
      { file },
    );
  }
  const element = TYPES[type]!;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${file}: truncated: ${bytes.length} bytes, the header of a ${rank}-dimensional IDX file has ${headerBytes}`,
      { file },
    );
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const values = dims.reduce((product, size) => product * size, 1);
  const declared = values * element.size;
  const present = bytes.length - headerBytes;
  if (present !== declared) {
    const shape = dims.join("×");
    const problem = present < declared ? "truncated" : "longer than declared";
    const of = element.size === 1 ? "" : ` ${element.name} values × ${element.size}`;
    throw new DataError(
      `${file}: ${problem}: the header declares ${shape}${of} = ${declared} bytes of data, the file has ${present}`,
      { file },
    );
  }
  if (element.name === "u8") return { dims, type: "u8", data: bytes.slice(headerBytes) };
  const data = new ARRAYS[element.name](values);
  for (let i = 0; i < values; i++) data[i] = element.read(view, headerBytes + i * element.size);
  return { dims, type: element.name, data };
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

/**
 * An images file (0x00000803, or any rank ≥ 2 and element type) and its labels file (rank 1) as one Dataset:
 * unsigned-byte images are its pixels, other types its float `inputs`; integer labels (0–255) its class labels,
 * float ones its regression `targets`.
 */
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
  const features = imageArray.dims.slice(1).reduce((product, size) => product * size, 1);
  const source = `${imagesFile} + ${labelsFile}`;
  const inputs =
    imageArray.type === "u8"
      ? { pixels: imageArray.data as Uint8Array }
      : { pixels: new Uint8Array(0), inputs: Float32Array.from(imageArray.data) };
  if (labelArray.type === "f32" || labelArray.type === "f64") {
    return {
      ...inputs,
      labels: new Uint8Array(0),
      targets: Float32Array.from(labelArray.data),
      count,
      features,
      classes: 0,
      source,
    };
  }
  const outside = labelArray.data.findIndex((label) => label < 0 || label > 255);
  if (outside !== -1)
    throw new DataError(
      `${labelsFile}: label ${labelArray.data[outside]} of item ${outside} is not a class 0–255 (an integer ${labelArray.type} file is read as class labels; write float targets as f32)`,
      { file: labelsFile },
    );
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
  return { ...inputs, labels: Uint8Array.from(labelArray.data), count, features, classes, source };
}
