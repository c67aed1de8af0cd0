// The problems registry: named bundles of data, model, loss, default batch size and epochs — DeepOBS's test
// problems on the data optimlab can read, the notebook's MLP, and the 2-D test functions — that `problems()`, the
// CLI's `--problem` and the demo list by the same names. Plain data, browser-safe; loading a problem's data is per
// platform (`loadProblem` in each entry).
import { ConfigError } from "./errors.js";
import { firstRows } from "./data/split.js";
import { instantiate, wasm } from "./wasm.js";
import type { Dataset, DataSplit, LayerListSpec, LayerSpec, ModelSpec } from "./types.js";

/** Where a problem's data comes from. */
export type ProblemData =
  /** The embedded MNIST sample (8,000 / 2,000 digits). */
  | "mnist-sample"
  /** Fashion-MNIST in full (60,000 / 10,000), from Debian's package dataset-fashion-mnist. */
  | "fashion-mnist"
  /** A CSV file the caller names, with a numeric target column. */
  | "csv"
  /** DeepOBS's noisy quadratic data (1,000 / 1,000 rows of 100 values), drawn as DeepOBS draws them. */
  | "deepobs-quadratic"
  /** A 2-D test function (optimlab landscape), no data. */
  | "function";

export interface ProblemInfo {
  name: string;
  /** What is trained on what, in one line. */
  description: string;
  data: ProblemData;
  /** The model; for "csv" it depends on the file (see `problemModel`); none for a 2-D function. */
  model?: ModelSpec;
  /** Default rows per step and passes over the data. */
  batchSize?: number;
  epochs?: number;
  /** Each epoch leaves out its last partial batch, as the problem's reference loader does (DeepOBS's quadratics). */
  dropLast?: boolean;
  /** Where the definition comes from. */
  reference: string;
}

/** DeepOBS's 2c2d: conv 5×5 32 same → relu → maxpool 2 → conv 5×5 64 same → relu → maxpool 2 → fc 1024 → relu → fc 10. */
function twoConvTwoDense(): LayerListSpec {
  return {
    input: [1, 28, 28],
    layers: [
      { type: "conv2d", in_channels: 1, out_channels: 32, kernel_size: 5, padding: "same" },
      { type: "relu" },
      { type: "maxpool2d", kernel_size: 2 },
      { type: "conv2d", in_channels: 32, out_channels: 64, kernel_size: 5, padding: "same" },
      { type: "relu" },
      { type: "maxpool2d", kernel_size: 2 },
      { type: "flatten" },
      { type: "linear", in: 7 * 7 * 64, out: 1024 },
      { type: "relu" },
      { type: "linear", in: 1024, out: 10 },
    ],
    loss: "cross_entropy",
  };
}

/** Linear layers with ReLU between, from `widths[0]` inputs to `widths.at(-1)` outputs. */
function mlpLayers(widths: number[]): LayerSpec[] {
  return widths.slice(1).flatMap((out, i): LayerSpec[] => {
    const linear: LayerSpec = { type: "linear", in: widths[i]!, out };
    return i === 0 ? [linear] : [{ type: "relu" }, linear];
  });
}

const DEEPOBS = "DeepOBS (Schneider, Balles & Hennig, ICLR 2019), deepobs/pytorch/testproblems";

const PROBLEMS: readonly ProblemInfo[] = [
  {
    name: "mnist_mlp",
    description: "the notebook's MLP 784-100-100-10 (ReLU, log_softmax + NLL) on the embedded MNIST sample",
    data: "mnist-sample",
    model: { layers: [784, 100, 100, 10] },
    batchSize: 256,
    epochs: 3,
    reference: 'the notebook "Exploring Optimizers" (SimpleNet)',
  },
  {
    name: "mnist_logreg",
    description:
      "multinomial logistic regression (one linear layer 784 → 10, cross-entropy) on the embedded MNIST sample",
    data: "mnist-sample",
    model: { input: [784], layers: [{ type: "linear", in: 784, out: 10 }], loss: "cross_entropy" },
    batchSize: 128,
    epochs: 3,
    reference: `${DEEPOBS}/mnist_logreg.py`,
  },
  {
    name: "mnist_2c2d",
    description:
      "two conv layers (5×5, 32 and 64 channels, same padding, ReLU, 2×2 max-pooling) and two dense (1024, 10) on the embedded MNIST sample",
    data: "mnist-sample",
    model: twoConvTwoDense(),
    batchSize: 128,
    epochs: 3,
    reference: `${DEEPOBS}/mnist_2c2d.py`,
  },
  {
    name: "mnist_ae",
    description:
      "an autoencoder 784-128-32-128-784 (ReLU, sigmoid output) reconstructing the embedded MNIST digits, MSE",
    data: "mnist-sample",
    model: {
      input: [784],
      layers: [...mlpLayers([784, 128, 32, 128, 784]), { type: "sigmoid" }],
      loss: "mse",
    },
    batchSize: 128,
    epochs: 3,
    reference: "an MSE autoencoder (DeepOBS's mnist_vae without the variational part)",
  },
  {
    name: "fmnist_mlp",
    description: "DeepOBS's MLP 784-1000-500-100-10 (ReLU) on Fashion-MNIST (60,000 / 10,000 images)",
    data: "fashion-mnist",
    model: { input: [784], layers: mlpLayers([784, 1000, 500, 100, 10]), loss: "cross_entropy" },
    batchSize: 128,
    epochs: 1,
    reference: `${DEEPOBS}/fmnist_mlp.py`,
  },
  {
    name: "fmnist_2c2d",
    description: "DeepOBS's 2c2d (as mnist_2c2d) on Fashion-MNIST (60,000 / 10,000 images)",
    data: "fashion-mnist",
    model: twoConvTwoDense(),
    batchSize: 128,
    epochs: 1,
    reference: `${DEEPOBS}/fmnist_2c2d.py`,
  },
  {
    name: "quadratic_deep",
    description:
      "DeepOBS's noisy quadratic: 0.5·(θ − x)ᵀQ(θ − x) in 100 dimensions, Q with 90 eigenvalues in (0, 1) and 10 in (30, 60), x ~ N(0, 0.6²) (1,000 rows)",
    data: "deepobs-quadratic",
    model: { input: [100], layers: [{ type: "quadratic", hessian: "deepobs_deep" }], loss: "mean" },
    batchSize: 128,
    epochs: 100,
    dropLast: true,
    reference: `${DEEPOBS}/quadratic_deep.py`,
  },
  {
    name: "csv_regression",
    description:
      "regression on a CSV file with a numeric target column: float features, an MLP features-64-64-targets (ReLU), MSE",
    data: "csv",
    batchSize: 64,
    epochs: 10,
    reference: "optimlab",
  },
];

/** The Debian package that ships Fashion-MNIST, and where it puts the gzipped IDX files. */
export const FASHION_MNIST_PACKAGE = "dataset-fashion-mnist";
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** The default problem, the notebook's. */
export const DEFAULT_PROBLEM = "mnist_mlp";

/**
 * The problems registry: each problem's data, model, default batch size and epochs, then the 2-D test functions
 * (`optimlab landscape`) by the names `landscapeFunctions()` gives. `compare({ ...(await loadProblem("mnist_2c2d")),
 * optimizers })` trains one.
 */
export async function problemsOn(compileModule: () => Promise<WebAssembly.Module>): Promise<ProblemInfo[]> {
  instantiate(await compileModule());
  const functions = (JSON.parse(wasm.landscapeFunctions()) as { name: string; about: string }[]).map(
    ({ name, about }): ProblemInfo => ({
      name,
      description: `the 2-D test function ${name} (${about}): optimizer trajectories over its contours`,
      data: "function",
      reference: `optimlab landscape --fn ${name}`,
    }),
  );
  return [...PROBLEMS.map((problem) => structuredClone(problem)), ...functions];
}

/** The problems that train a model (all but the 2-D functions), by name. */
export const MODEL_PROBLEMS: readonly string[] = PROBLEMS.map((problem) => problem.name);

/** A problem that trains a model, by name, or a ConfigError listing the names. */
export function problemInfo(name: string): ProblemInfo {
  const found = PROBLEMS.find((problem) => problem.name === name);
  if (!found)
    throw new ConfigError(
      `unknown problem "${name}"; problems: ${MODEL_PROBLEMS.join(", ")} (2-D test functions: optimlab landscape --fn NAME)`,
    );
  return structuredClone(found);
}

/** The model of a problem for data of `features` columns and `outputs` targets (what csv_regression sizes to its file). */
export function problemModel(problem: ProblemInfo, data: { features: number; outputs: number }): ModelSpec {
  if (problem.model) return problem.model;
  if (problem.data === "csv")
    return { input: [data.features], layers: mlpLayers([data.features, 64, 64, data.outputs]), loss: "mse" };
  throw new ConfigError(`${problem.name} is a 2-D test function: run it with optimlab landscape --fn ${problem.name}`);
}

/** Values per row of DeepOBS's quadratic data (its θ has 100 dimensions). */
export const DEEPOBS_QUADRATIC_FEATURES = 100;

/** DeepOBS's noisy quadratic data, drawn in wasm as DeepOBS draws it: 1,000 training and 1,000 test rows. */
export async function deepobsQuadraticData(compileModule: () => Promise<WebAssembly.Module>): Promise<DataSplit> {
  instantiate(await compileModule());
  const split = (test: boolean): Dataset => {
    const inputs = wasm.deepobsQuadraticData(test);
    const features = DEEPOBS_QUADRATIC_FEATURES;
    const source = `DeepOBS quadratic data (numpy RandomState(${test ? 43 : 42}), N(0, 0.6²))`;
    return {
      pixels: new Uint8Array(0),
      inputs,
      labels: new Uint8Array(0),
      count: inputs.length / features,
      features,
      classes: 0,
      source,
    };
  };
  return { train: split(false), test: split(true) };
}

/** What `compare`/`train` take from a problem: its data, model, batch size and epochs. */
export interface LoadedProblem {
  /** The problem's name, for reports. */
  problem: string;
  data: DataSplit;
  model: ModelSpec;
  batchSize: number;
  epochs: number;
  /** The problem's loader leaves out each epoch's partial batch (pass it on to compare/train). */
  dropLast?: boolean;
}

/** Which data `loadProblem` reads, and how much of it. */
export interface ProblemOptions {
  /** Seed of the split (the embedded sample's, a CSV's). Default 0. */
  seed?: number;
  /** Only the first N training rows (quick trials). */
  limit?: number;
  /** csv_regression: the CSV file (Node) and its target column (a header name or a 0-based index; default the last). */
  csv?: string;
  target?: string | number;
  /** csv_regression: the share of rows held out for evaluation (default 0.2). */
  holdout?: number;
}

/** How each entry reads a problem's data: the embedded sample everywhere, files in Node. */
export interface ProblemLoaders {
  sample(seed: number): Promise<DataSplit>;
  /** The module the generated data (DeepOBS's quadratics) is drawn by. */
  compileModule(): Promise<WebAssembly.Module>;
  fashionMnist?(): Promise<DataSplit>;
  csv?(file: string, target: string | number | undefined, seed: number, holdout: number): Promise<DataSplit>;
}

/** A problem's data (its first `limit` training rows), model, batch size and epochs. */
export async function loadProblemWith(
  name: string,
  options: ProblemOptions,
  loaders: ProblemLoaders,
): Promise<LoadedProblem> {
  const problem = problemInfo(name);
  const seed = options.seed ?? 0;
  let data: DataSplit;
  if (problem.data === "mnist-sample") {
    data = await loaders.sample(seed);
  } else if (problem.data === "deepobs-quadratic") {
    data = await deepobsQuadraticData(loaders.compileModule);
  } else if (problem.data === "fashion-mnist") {
    if (!loaders.fashionMnist)
      throw new ConfigError(`${name} reads Fashion-MNIST from files (Debian's ${FASHION_MNIST_PACKAGE}): Node only`);
    data = await loaders.fashionMnist();
  } else {
    if (options.csv === undefined)
      throw new ConfigError(`${name} trains on a CSV file: give csv (--csv FILE) and its target column`);
    if (!loaders.csv) throw new ConfigError(`${name} reads a CSV file by its path: Node only (use readCsv here)`);
    data = await loaders.csv(options.csv, options.target, seed, options.holdout ?? 0.2);
  }
  if (options.limit !== undefined) data = { ...data, train: firstRows(data.train, options.limit) };
  const outputs = data.train.targets ? data.train.targets.length / data.train.count : 0;
  return {
    problem: name,
    data,
    model: problemModel(problem, { features: data.train.features, outputs }),
    batchSize: problem.batchSize!,
    epochs: problem.epochs!,
    ...(problem.dropLast ? { dropLast: true } : {}),
  };
}
