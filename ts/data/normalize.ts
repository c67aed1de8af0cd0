// Pixel scaling for callers who want float inputs. The trainer scales u8 pixels itself; this is for
// data a user feeds elsewhere or compares against. torchvision's ToTensor divides by 255; some
// notebooks (this project's included) divide by 256, hence the option.

export interface NormalizeOptions {
  /** Every value is divided by this (default 255; 256 matches the notebook). */
  divisor?: number;
}

/** `values[i] / divisor` as float32, in a new array. */
export function normalize(values: Uint8Array | Float32Array, options: NormalizeOptions = {}): Float32Array {
  const { divisor = 255 } = options;
  if (!(Number.isFinite(divisor) && divisor > 0))
    throw new RangeError(`divisor must be a positive number, got ${divisor}`);
  const scaled = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) scaled[i] = values[i] / divisor;
  return scaled;
}
