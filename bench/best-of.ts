// The benches time each system as the best of several repeats: the repeat least disturbed by the machine's other work.

/** Seconds of the fastest of `repeats` calls of `work` (given the repeat's index). */
export function bestSeconds(repeats: number, work: (repeat: number) => void): number {
  let best = Infinity;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const start = performance.now();
    work(repeat);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}
