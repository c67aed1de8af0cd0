// Node-only data sources (files, streams); everything in ./index.ts works in Node too.
export { readCsvFile, readCsvStream, writeCsvFile } from "./csv-node.js";
export { readIdxFile, readIdxFiles } from "./idx-node.js";
