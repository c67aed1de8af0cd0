// What a run trains and how its steps treat the gradients: the model (the notebook's MLP by its widths, or a layer
// list), gradient clipping and the non-finite policy; the Trainer config a worker builds from them; the data a worker
// receives; and the checks of a model and its data made once on the calling thread, before any worker starts.
import { ConfigError } from "./errors.js";
import type { DataBytes, TrainerConfig } from "./protocol.js";
import { instantiate, wasm } from "./wasm.js";
import type { Dataset, DataSplit, LayerListSpec, LossName, ModelSpec, NonFinitePolicy } from "./types.js";

/** How each training step treats its gradients, with torch's and optax's semantics. */
export interface StepSettings {
  /**
   * torch's `clip_grad_norm_(params, max_norm)` after backward and before the step: every gradient is scaled by
   * min(1, max_norm / (total 2-norm over all parameters + 1e-6)).
   */
  clipGradNorm?: number;
  /** torch's `clip_grad_value_(params, clip_value)`: every gradient clamped to [−clipGradValue, clipGradValue]. */
  clipGradValue?: number;
  /**
   * What a step with a NaN or infinite loss (or gradient) does: "stop" (default) records its loss and ends the run
   * there (`diverged`); "skip" is optax's `apply_if_finite`: the update is skipped, and after more than
   * `maxConsecutiveErrors` such steps in a row the update is applied and the run ends; "propagate" applies every
   * update, as a bare torch loop does. Under "skip" and "propagate" the result has optax's counters (`nonFinite`).
   */
  nonFinite?: NonFinitePolicy;
  /** With `nonFinite: "skip"`: optax's max_consecutive_errors (default 5). */
  maxConsecutiveErrors?: number;
}

/** What the model takes and gives, as Rust inferred it from the spec. */
export interface ModelInfo {
  /** Shape of one input sample, and its values in all. */
  input: number[];
  inputs: number;
  output: number[];
  outputs: number;
  loss: LossName;
  parameters: number;
}

/** True for a layer list, false for the MLP given by its widths. */
export function isLayerList(model: ModelSpec): model is LayerListSpec {
  return typeof model === "object" && model !== null && ("input" in model || "loss" in model);
}

/** The loss a model trains with (the MLP's is cross_entropy). */
export function modelLoss(model: ModelSpec): LossName {
  return isLayerList(model) ? model.loss : "cross_entropy";
}

/** The settings that make a run's Trainer. */
export interface TrainerSettings extends StepSettings {
  model: ModelSpec;
  seed: number;
  batchSize: number;
  /** torch DataLoader's drop_last: each epoch leaves out its last batch when it is partial (default false). */
  dropLast?: boolean;
  normalize?: number;
}

/** Steps in one pass over `rows`: ⌈rows / batchSize⌉, or ⌊rows / batchSize⌋ when `dropLast` leaves out a partial batch. */
export function stepsPerEpoch(rows: number, settings: { batchSize: number; dropLast?: boolean }): number {
  return settings.dropLast ? Math.floor(rows / settings.batchSize) : Math.ceil(rows / settings.batchSize);
}

/** The Trainer config of a run: its model, settings, step options and optimizer, with room for `maxSteps` steps. */
export function trainerConfig(
  settings: TrainerSettings,
  optimizer: TrainerConfig["optimizer"],
  maxSteps: number,
): TrainerConfig {
  const { model } = settings;
  const config: TrainerConfig = {
    ...(isLayerList(model)
      ? { model: { input: model.input, layers: model.layers, loss: model.loss } }
      : { layers: model.layers }),
    seed: settings.seed,
    batchSize: settings.batchSize,
    ...(settings.dropLast ? { dropLast: true } : {}),
    normalize: settings.normalize ?? 255,
    maxSteps,
    optimizer,
  };
  if (settings.clipGradNorm !== undefined) config.clip = { clip_grad_norm: settings.clipGradNorm };
  if (settings.clipGradValue !== undefined) config.clip = { clip_grad_value: settings.clipGradValue };
  if (settings.nonFinite !== undefined) config.nonFinite = settings.nonFinite;
  if (settings.maxConsecutiveErrors !== undefined) config.maxConsecutiveErrors = settings.maxConsecutiveErrors;
  return config;
}

/** The step settings checked with their own names (Rust checks them again). */
export function checkStepSettings(settings: StepSettings): void {
  for (const name of ["clipGradNorm", "clipGradValue"] as const) {
    const value = settings[name];
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0))
      throw new ConfigError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  if (settings.clipGradNorm !== undefined && settings.clipGradValue !== undefined)
    throw new ConfigError("give clipGradNorm or clipGradValue, not both (torch clips one way per step)");
  const policies: NonFinitePolicy[] = ["stop", "skip", "propagate"];
  if (settings.nonFinite !== undefined && !policies.includes(settings.nonFinite))
    throw new ConfigError(
      `nonFinite must be one of ${policies.map((p) => `"${p}"`).join(", ")}, got ${JSON.stringify(settings.nonFinite)}`,
    );
  const max = settings.maxConsecutiveErrors;
  if (max !== undefined && !(Number.isInteger(max) && max >= 0))
    throw new ConfigError(`maxConsecutiveErrors must be a non-negative integer, got ${String(max)}`);
  if (max !== undefined && settings.nonFinite !== "skip")
    throw new ConfigError(`maxConsecutiveErrors applies to nonFinite "skip" only`);
}

/** The arrays of a dataset a worker copies into wasm memory: its inputs, and the targets the model's loss takes. */
export function dataBytes(dataset: Dataset, model: ModelSpec): DataBytes {
  const inputs: DataBytes = dataset.inputs ? { inputs: dataset.inputs } : { pixels: dataset.pixels };
  if (modelLoss(model) === "cross_entropy") return { ...inputs, labels: dataset.labels };
  if (modelLoss(model) === "mean") return inputs;
  return dataset.targets ? { ...inputs, targets: dataset.targets } : inputs;
}

/**
 * Rust's checks of the model, batch size and seed and the memory they need (not the optimizer's options), run once
 * on this thread, then the data checked against what the model takes: a comparison with a bad model or data is one
 * ConfigError (naming the layer, the dataset) before any worker starts, rather than the same error from every run.
 */
export async function checkModelAndData(
  compileModule: () => Promise<WebAssembly.Module>,
  settings: TrainerSettings & { data: DataSplit },
  optimizer: TrainerConfig["optimizer"],
  maxSteps: number,
): Promise<ModelInfo> {
  instantiate(await compileModule());
  let info: ModelInfo;
  try {
    info = JSON.parse(wasm.checkTrainerConfig(JSON.stringify(trainerConfig(settings, optimizer, maxSteps))));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const mlp = !isLayerList(settings.model);
  checkDataset("data.train", settings.data.train, info, mlp);
  if (settings.data.test) checkDataset("data.test", settings.data.test, info, mlp);
  return info;
}

/** A dataset's arrays and their lengths, and that they fit the model: its features, its labels or targets. */
function checkDataset(name: string, dataset: Dataset, info: ModelInfo, mlp: boolean): void {
  const { pixels, inputs, labels, targets, count, features } = dataset;
  if (inputs !== undefined ? !(inputs instanceof Float32Array) : !(pixels instanceof Uint8Array))
    throw new ConfigError(`${name}: pixels must be a Uint8Array, or inputs a Float32Array`);
  const values = inputs ?? pixels;
  const valueName = inputs ? "inputs" : "pixels";
  if (!Number.isInteger(count) || count < 1 || values.length !== count * features)
    throw new ConfigError(
      `${name}: expected ${count} × ${features} ${valueName}, got ${values.length} ${valueName} for count ${count}`,
    );
  if (features !== info.inputs)
    throw new ConfigError(
      mlp
        ? `${name} has ${features} features but the model's first layer takes ${info.inputs}`
        : `${name} has ${features} features but the model's input ${JSON.stringify(info.input)} takes ${info.inputs}`,
    );
  if (info.loss === "cross_entropy") {
    if (!(labels instanceof Uint8Array) || labels.length !== count)
      throw new ConfigError(
        `${name}: loss cross_entropy needs a Uint8Array of ${count} labels, got ${labels instanceof Uint8Array ? labels.length : String(labels)}`,
      );
    const largest = labels.reduce((a, b) => Math.max(a, b), 0);
    if (largest >= info.outputs)
      throw new ConfigError(`${name} has label ${largest} but the model has only ${info.outputs} outputs`);
  } else if (info.loss === "mean") {
    if (targets !== undefined)
      throw new ConfigError(`${name}: loss mean takes no targets (the model's output is its loss)`);
  } else if (targets !== undefined) {
    if (!(targets instanceof Float32Array) || targets.length !== count * info.outputs)
      throw new ConfigError(
        `${name}: loss ${info.loss} needs ${count} × ${info.outputs} target values (the model's output), got ${targets instanceof Float32Array ? targets.length : String(targets)}`,
      );
  } else if (info.outputs !== info.inputs) {
    throw new ConfigError(
      `${name} has no targets, so the model (loss ${info.loss}) would reconstruct its inputs, but it gives ${info.outputs} values for ${info.inputs} inputs`,
    );
  }
}
