// Progress of the runs on stderr (stdout stays clean for --json): live bars redrawn in place on a terminal,
// plain periodic lines in logs, nothing with --quiet.
import type { Progress } from "../types.js";

export interface ProgressReporter {
  update(progress: Progress): void;
  /** Draws the final state; call once when all runs have ended. */
  finish(): void;
}

/** What is drawn for one run: its latest progress. */
type RunState = Omit<Progress, "run">;

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Picks the view: none when quiet, bars on a terminal, lines otherwise. */
export function progressReporter(
  labels: readonly string[],
  stream: ProgressStream,
  options: { quiet: boolean },
): ProgressReporter {
  if (options.quiet) return { update() {}, finish() {} };
  return stream.isTTY ? new BarReporter(labels, stream) : new LineReporter(labels, stream);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const whole = Math.max(0, Math.round(seconds));
  return whole < 60 ? `${whole}s` : `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
}

function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toFixed(4) : String(loss);
}

/** Takes the numbers of an update; the label stays ours (made unique across the line-up). */
function apply(state: RunState, { step, totalSteps, loss, etaSeconds }: Progress): void {
  Object.assign(state, { step, totalSteps, loss, etaSeconds });
}

function initialStates(labels: readonly string[]): RunState[] {
  return labels.map((label) => ({ label, step: 0, totalSteps: 0, loss: Number.NaN, etaSeconds: Number.NaN }));
}

/** One bar per run, all redrawn in place (cursor up, clear line) at most ten times a second. */
class BarReporter implements ProgressReporter {
  private readonly runs: RunState[];
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(
    labels: readonly string[],
    private readonly stream: ProgressStream,
  ) {
    this.runs = initialStates(labels);
  }

  update(progress: Progress): void {
    apply(this.runs[progress.run], progress);
    const now = Date.now();
    if (now - this.lastDraw >= 100) this.draw(now);
  }

  finish(): void {
    this.draw(Date.now());
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const labelWidth = Math.min(24, Math.max(...this.runs.map((run) => run.label.length)));
    const barWidth = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - labelWidth - 45));
    const lines = this.runs.map((run) => {
      const label =
        run.label.length > labelWidth ? run.label.slice(0, labelWidth - 1) + "…" : run.label.padEnd(labelWidth);
      if (run.totalSteps === 0) return `${label} ${" ".repeat(barWidth + 2)} waiting`;
      const filled = Math.round((barWidth * run.step) / run.totalSteps);
      const bar = "█".repeat(filled) + "░".repeat(barWidth - filled);
      const done = run.step >= run.totalSteps;
      return `${label} ${bar} ${String(run.step).padStart(String(run.totalSteps).length)}/${run.totalSteps}  loss ${formatLoss(run.loss)}  ${done ? "done" : `ETA ${formatEta(run.etaSeconds)}`}`;
    });
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "";
    this.stream.write(up + lines.map((line) => `\x1b[2K${line}\n`).join(""));
    this.drawnLines = lines.length;
  }
}

/** A line per run every few seconds and when it completes, for CI logs and pipes. */
class LineReporter implements ProgressReporter {
  private readonly runs: RunState[];
  private readonly lastLine: number[];

  constructor(
    labels: readonly string[],
    private readonly stream: ProgressStream,
    private readonly intervalMs = 2000,
  ) {
    this.runs = initialStates(labels);
    this.lastLine = labels.map(() => -Infinity);
  }

  update(progress: Progress): void {
    const run = this.runs[progress.run];
    const wasDone = run.totalSteps > 0 && run.step >= run.totalSteps;
    apply(run, progress);
    const done = run.step >= run.totalSteps;
    const now = Date.now();
    if ((done && !wasDone) || now - this.lastLine[progress.run] >= this.intervalMs) {
      this.lastLine[progress.run] = now;
      this.stream.write(
        `[${run.label}] step ${run.step}/${run.totalSteps} loss ${formatLoss(run.loss)}${done ? " done" : ` ETA ${formatEta(run.etaSeconds)}`}\n`,
      );
    }
  }

  finish(): void {}
}
