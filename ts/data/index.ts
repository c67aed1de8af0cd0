// The data readers that run anywhere (browsers, workers, Node). Node-only sources are in ./node.ts.
export { DataError } from "./errors.js";
export {
  loadMnistSample,
  loadMnistSampleDataset,
  MNIST_SAMPLE_SOURCE,
  mnistSampleUrl,
  type SampleOptions,
} from "./mnist-sample.js";
export {
  readCsv,
  describeClasses,
  parseCsvChunks,
  decodeByteStream,
  toCsv,
  toCsvChunks,
  type CsvInput,
  type CsvOptions,
  type CsvProgress,
  type CsvResult,
  type CsvWriteOptions,
  type FloatDataset,
} from "./csv.js";
export { decodeIdx, readIdx, readIdxPair, type IdxArray, type IdxPairOptions } from "./idx.js";
export { firstRows, splitDataset, seededPermutation, selectRows, type SplitOptions } from "./split.js";
export { normalize, type NormalizeOptions } from "./normalize.js";
