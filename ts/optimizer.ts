// The functional optimizer: torch.optim semantics on the caller's own Float32Arrays (test functions, custom models),
// on the calling thread's wasm instance, no worker involved. Each step copies the gradients (and the parameters,
// when given) in once and the updated parameters out once; the optimizer state stays in wasm memory.
import { ConfigError, nonFiniteOption, OptimizerOptionError } from "./errors.js";
import type { OptimizerName, OptionsOf } from "./optimizers.js";
import { instantiate, wasm } from "./wasm.js";

/**
 * Options of the optimizer called `Name`, with torch.optim's names (`lr`, `momentum`, `betas`, `weight_decay`, …; optax's
 * for the optimizers torch lacks); Rust validates them again.
 */
export type OptimizerOptions<Name extends OptimizerName = OptimizerName> = OptionsOf<Name>;

/**
 * torch's `closure` in functional form: the loss and its gradients at `params` (one array per tensor, in `shapes` order;
 * views valid during the call only). It must return synchronously, as torch calls its closure synchronously.
 */
export type LossClosure = (params: readonly Float32Array[]) => { loss: number; grads: readonly Float32Array[] };

/** An optimizer bound to a list of tensors; free it with `dispose()` (or `using`). */
export interface Optimizer {
  readonly name: string;
  /** The shape of every tensor, e.g. `[[5, 3], [5]]`. */
  readonly shapes: readonly (readonly number[])[];
  /**
   * One optimizer step from `grads` (one array per tensor, in `shapes` order). With `params`, those arrays are the
   * parameters: they are read, updated in place (as torch does) and returned. Without, the optimizer's own copy is
   * updated (see `setParams`) and returned as new arrays.
   */
  step(grads: readonly Float32Array[], params?: Float32Array[]): Float32Array[];
  /**
   * torch's `step(closure)`, on the optimizer's own copy of the parameters (`setParams`, `params`): LBFGS calls the
   * closure as often as its line search needs, every other optimizer once before its update. Returns the loss of the
   * first call. An error the closure throws is rethrown, the step cut short there as torch's would be.
   */
  step(closure: LossClosure): number;
  /** The optimizer's copy of the parameters (new arrays). */
  params(): Float32Array[];
  setParams(params: readonly Float32Array[]): void;
  /** Sets the learning rate of every parameter group (what a schedule does). */
  setLr(lr: number): void;
  lr(): number;
  /** The optimizer state (moments, step counts…) as bytes, for `loadState`. */
  saveState(): Uint8Array;
  loadState(bytes: Uint8Array): void;
  /** Frees the wasm memory of the optimizer and its state; the handle is unusable afterwards. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Creates an optimizer on the calling thread, instantiating the compiled module there first if needed. */
/** The optimizer's range test on a closure (the caller gives the packed settings; lr-find.ts decodes the result). */
export function rangeTestOnClosure(optimizer: Optimizer, settingsJson: string, closure: LossClosure): Float64Array {
  if (!(optimizer instanceof WasmOptimizer)) throw new TypeError("rangeTestOnClosure: not an optimlab optimizer");
  return optimizer.rangeTest(settingsJson, closure);
}

export async function createOptimizerOn<Name extends OptimizerName>(
  compileModule: () => Promise<WebAssembly.Module>,
  name: Name,
  options: OptimizerOptions<Name>,
  shapes: readonly (readonly number[])[],
): Promise<Optimizer> {
  // The types rule out a bad name, but plain JavaScript callers are not type-checked.
  const untypedName: unknown = name;
  if (typeof untypedName !== "string" || untypedName === "")
    throw new ConfigError('createOptimizer: name must be a non-empty string such as "adam"');
  if (
    !Array.isArray(shapes) ||
    !shapes.every((shape) => Array.isArray(shape) && shape.every((dim) => Number.isInteger(dim) && dim >= 0))
  )
    throw new ConfigError(
      `createOptimizer: shapes must be arrays of non-negative integers like [[5, 3], [5]], got ${JSON.stringify(shapes)}`,
    );
  const nonFinite = nonFiniteOption(options ?? {});
  if (nonFinite) throw new OptimizerOptionError(nonFinite);
  instantiate(await compileModule());
  let inner: wasm.Optimizer;
  try {
    inner = new wasm.Optimizer(name, JSON.stringify(options ?? {}), JSON.stringify(shapes));
  } catch (error) {
    throw new OptimizerOptionError((error as Error).message);
  }
  return new WasmOptimizer(inner, name, shapes);
}

// wasm-bindgen registers its objects with a FinalizationRegistry, so an Optimizer that is never disposed is
// still freed after garbage collection; dispose() is the way that does not wait for the collector.
class WasmOptimizer implements Optimizer {
  private inner: wasm.Optimizer | undefined;
  private readonly sizes: number[];
  /** Reused staging buffer: the tensors concatenated, as the wasm side takes them. */
  private readonly flat: Float32Array;

  constructor(
    inner: wasm.Optimizer,
    readonly name: string,
    readonly shapes: readonly (readonly number[])[],
  ) {
    this.inner = inner;
    this.sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
    this.flat = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
  }

  step(grads: readonly Float32Array[], params?: Float32Array[]): Float32Array[];
  step(closure: LossClosure): number;
  step(gradsOrClosure: readonly Float32Array[] | LossClosure, params?: Float32Array[]): Float32Array[] | number {
    if (typeof gradsOrClosure === "function") return this.live().stepClosure(this.flatClosure(gradsOrClosure));
    const grads = gradsOrClosure;
    const inner = this.live();
    if (params) inner.setParams(this.concat("params", params));
    inner.setGrads(this.concat("grads", grads));
    inner.step();
    const updated = inner.params();
    if (!params) return this.split(updated);
    let offset = 0;
    params.forEach((param, index) => {
      param.set(updated.subarray(offset, offset + this.sizes[index]!));
      offset += this.sizes[index]!;
    });
    return params;
  }

  params(): Float32Array[] {
    return this.split(this.live().params());
  }

  setParams(params: readonly Float32Array[]): void {
    this.live().setParams(this.concat("params", params));
  }

  setLr(lr: number): void {
    this.live().setLr(lr);
  }

  lr(): number {
    return this.live().lr(0);
  }

  saveState(): Uint8Array {
    return this.live().saveState();
  }

  loadState(bytes: Uint8Array): void {
    this.live().loadState(bytes);
  }

  dispose(): void {
    this.inner?.free();
    this.inner = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The range test of `lrFind` with `closure`; parameters and state are restored afterwards. */
  rangeTest(settingsJson: string, closure: LossClosure): Float64Array {
    return this.live().lrFind(settingsJson, this.flatClosure(closure));
  }

  /** The closure as the wasm side calls it: parameters in one array, gradients written into another, loss returned. */
  private flatClosure(closure: LossClosure): (params: Float32Array, grads: Float32Array) => number {
    return (flatParams, flatGrads) => {
      let offset = 0;
      const returned: unknown = closure(this.sizes.map((size) => flatParams.subarray(offset, (offset += size))));
      if (typeof (returned as PromiseLike<unknown> | undefined)?.then === "function")
        throw new ConfigError(`${this.name}: the closure must return { loss, grads } synchronously, not a Promise`);
      const { loss, grads } = (returned ?? {}) as { loss?: unknown; grads?: unknown };
      if (typeof loss !== "number" || !Array.isArray(grads) || !grads.every((g) => g instanceof Float32Array))
        throw new ConfigError(`${this.name}: the closure must return { loss: number, grads: Float32Array[] }`);
      flatGrads.set(this.concat("grads", grads));
      return loss;
    };
  }

  private live(): wasm.Optimizer {
    if (!this.inner) throw new Error(`optimlab: the ${this.name} optimizer was disposed`);
    return this.inner;
  }

  private concat(what: string, tensors: readonly Float32Array[]): Float32Array {
    if (tensors.length !== this.sizes.length || tensors.some((tensor, index) => tensor.length !== this.sizes[index]))
      throw new ConfigError(
        `${this.name}.step: ${what} must be ${this.sizes.length} Float32Arrays of lengths [${this.sizes.join(", ")}], got [${tensors.map((t) => t.length).join(", ")}]`,
      );
    let offset = 0;
    for (const tensor of tensors) {
      this.flat.set(tensor, offset);
      offset += tensor.length;
    }
    return this.flat;
  }

  private split(flat: Float32Array): Float32Array[] {
    let offset = 0;
    return this.sizes.map((size) => flat.slice(offset, (offset += size)));
  }
}
