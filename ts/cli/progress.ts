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

/** What a data reader reports as it goes (CsvProgress): characters or bytes read, of `total` when known. */
export interface ReadProgress {
  read: number;
  total?: number;
  rows: number;
}

export interface ReadReporter {
  update(progress: ReadProgress): void;
  /** Ends the bar with one line saying what was read. */
  finish(): void;
}

const MiB = 1024 * 1024;

function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MB`;
}

/**
 * Progress of reading a data file: a bar redrawn in place on a terminal (at most ten times a second), a line every
 * few seconds in logs, then one line with the rows read and the time taken; nothing when quiet.
 */
export function readReporter(
  file: string,
  stream: ProgressStream,
  options: { quiet: boolean; intervalMs?: number },
): ReadReporter {
  if (options.quiet) return { update() {}, finish() {} };
  const started = Date.now();
  const interval = options.intervalMs ?? (stream.isTTY ? 100 : 5000);
  let last: ReadProgress = { read: 0, rows: 0 };
  let lastDraw = started;
  let drawn = false;
  const describe = ({ read, total, rows }: ReadProgress, now: number): string => {
    const seconds = (now - started) / 1000;
    const amount = total ? `${formatMiB(Math.min(read, total))} of ${formatMiB(total)}` : formatMiB(read);
    const eta = total && read > 0 && read < total ? `  ETA ${formatEta((seconds / read) * (total - read))}` : "";
    return `${amount}, ${rows.toLocaleString("en-US")} rows${eta}`;
  };
  return {
    update(progress) {
      last = progress;
      const now = Date.now();
      if (now - lastDraw < interval) return;
      lastDraw = now;
      if (!stream.isTTY) {
        stream.write(`reading ${file}: ${describe(progress, now)}\n`);
        return;
      }
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - file.length - 50));
      const filled = progress.total ? Math.min(width, Math.round((width * progress.read) / progress.total)) : 0;
      const bar = progress.total ? `${"█".repeat(filled)}${"░".repeat(width - filled)} ` : "";
      stream.write(`\r\x1b[2Kreading ${file} ${bar}${describe(progress, now)}`);
      drawn = true;
    },
    finish() {
      const seconds = (Date.now() - started) / 1000;
      stream.write(
        `${drawn ? "\r\x1b[2K" : ""}read ${last.rows.toLocaleString("en-US")} rows (${formatMiB(last.read)}) of ${file} in ${seconds.toFixed(1)} s\n`,
      );
    },
  };
}
