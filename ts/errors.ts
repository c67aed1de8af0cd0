// Error classes of the public API. Comlink carries only `name` and `message` of an Error across the worker
// boundary, so every class has a distinct `name`, and `reviveError` turns a flattened error back into its class.

/** The run's configuration is invalid (layers, batch size, epochs, data shape…); detected before any work starts. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The optimizer is unknown or one of its options is invalid; the message is the Rust side's, in torch's wording (`Invalid learning rate: -1`). */
export class OptimizerOptionError extends Error {
  override name = "OptimizerOptionError";
}

/** The worker running a run died or its wasm instance trapped; the message names the run and keeps the original message. */
export class WorkerCrashError extends Error {
  override name = "WorkerCrashError";
}

/** The pool was disposed while the run was queued or running. */
export class PoolDisposedError extends Error {
  override name = "PoolDisposedError";
}

const classes = { ConfigError, OptimizerOptionError, WorkerCrashError, PoolDisposedError } as const;

/** Errors that leave a worker usable: the wasm instance refused the input and nothing in it is half done. */
export function isCleanRefusal(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === "ConfigError" || name === "OptimizerOptionError" || name === "AbortError";
}

/** Turns an error that crossed the worker boundary (a plain Error with `name` set) back into its class. */
export function reviveError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const revived = classes[error.name as keyof typeof classes];
  if (!revived || error instanceof revived) return error;
  const typed = new revived(error.message);
  if (error.stack) typed.stack = error.stack;
  return typed;
}

/** The error an aborted operation rejects with: the signal's reason, which is a DOMException named "AbortError" unless the caller gave another. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * What is wrong with the first number in an optimizer or schedule spec that JSON cannot carry to the Rust side (NaN
 * and ±Infinity would arrive as null), naming the option: "Invalid betas[1]: Infinity (options must be finite
 * numbers)"; undefined when every number is finite.
 */
export function nonFiniteOption(spec: object): string | undefined {
  const find = (value: unknown, name: string): string | undefined => {
    if (typeof value === "number")
      return Number.isFinite(value) ? undefined : `Invalid ${name}: ${value} (options must be finite numbers)`;
    if (typeof value !== "object" || value === null) return undefined;
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [`${name}[${index}]`, item])
      : Object.entries(value).map(([key, item]) => [name === "" ? key : `${name}.${key}`, item]);
    for (const [inner, item] of entries) {
      const found = find(item, inner);
      if (found) return found;
    }
    return undefined;
  };
  return find(spec, "");
}
