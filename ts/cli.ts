#!/usr/bin/env node
import { smoke } from "./index.js";

const result = await smoke();
console.log(`optimlab: wasm loaded in a worker thread; simd128=${result.simd}; dot=${result.dot} (scalar ${result.dotScalar})`);
