// The results file: JSON Lines, one record per run, written only by the `optimlab sweep` process. Each record is
// appended and fsynced before the run counts as stored, so a crash loses at most the line being written; reopening
// drops such a half-written last line (the run is simply redone) and skips every run already stored.
import { open, readFile, rm, type FileHandle } from "node:fs/promises";
import { hostname } from "node:os";
import type { ResultRecord } from "./run.js";

export class ResultsFileError extends Error {
  override name = "ResultsFileError";
}

/** The records of a results file, and the length of its complete lines (a half-written last line is not counted). */
export async function readResults(path: string): Promise<{ records: ResultRecord[]; completeBytes: number }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], completeBytes: 0 };
    throw error;
  }
  const end = text.lastIndexOf("\n") + 1;
  const records: ResultRecord[] = [];
  text
    .slice(0, end)
    .split("\n")
    .forEach((line, index) => {
      if (line.trim() === "") return;
      let record: ResultRecord;
      try {
        record = JSON.parse(line) as ResultRecord;
      } catch (error) {
        throw new ResultsFileError(`${path} line ${index + 1} is not JSON (${(error as Error).message})`);
      }
      if (typeof record?.id !== "string" || typeof record.spec !== "object")
        throw new ResultsFileError(`${path} line ${index + 1} is not a run result (no id or spec)`);
      records.push(record);
    });
  return { records, completeBytes: Buffer.byteLength(text.slice(0, end)) };
}

/** A results file open for appending, with the ids it already holds; one writer at a time (a lock file beside it). */
export class ResultsFile {
  private readonly stored = new Map<string, ResultRecord>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly lockPath: string,
  ) {}

  /** Opens (or creates) `path`, drops a half-written last line, and takes the writer's lock. */
  static async open(path: string): Promise<ResultsFile> {
    const lockPath = `${path}.lock`;
    await takeLock(lockPath, path);
    try {
      const { records, completeBytes } = await readResults(path);
      const handle = await open(path, "a+");
      if ((await handle.stat()).size > completeBytes) await handle.truncate(completeBytes);
      const file = new ResultsFile(path, handle, lockPath);
      for (const record of records) if (!file.stored.has(record.id)) file.stored.set(record.id, record);
      return file;
    } catch (error) {
      await rm(lockPath, { force: true });
      throw error;
    }
  }

  has(id: string): boolean {
    return this.stored.has(id);
  }

  get(id: string): ResultRecord | undefined {
    return this.stored.get(id);
  }

  get size(): number {
    return this.stored.size;
  }

  /** Appends the record and fsyncs; a record whose id is already stored is left out (returns false). */
  append(record: ResultRecord): Promise<boolean> {
    if (this.stored.has(record.id)) return Promise.resolve(false);
    this.stored.set(record.id, record);
    const line = JSON.stringify(record) + "\n";
    const written = this.writing.then(async () => {
      await this.handle.write(line);
      await this.handle.sync();
    });
    this.writing = written.catch(() => {});
    return written.then(() => true);
  }

  /** Waits for the pending appends, closes the file and releases the lock. */
  async close(): Promise<void> {
    try {
      await this.writing;
      await this.handle.close();
    } finally {
      await rm(this.lockPath, { force: true });
    }
  }
}

/** Creates the lock file holding "host pid"; a lock left by a process of this host that is gone is taken over. */
async function takeLock(lockPath: string, path: string): Promise<void> {
  const owner = `${hostname()} ${process.pid}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.write(owner);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = (await readFile(lockPath, "utf8").catch(() => "")).trim();
    const [host, pid] = holder.split(" ");
    if (host === hostname() && !processAlive(Number(pid))) {
      await rm(lockPath, { force: true });
      continue;
    }
    throw new ResultsFileError(
      `${path} is being written by another optimlab sweep (${holder || "unknown"}); if it is gone, remove ${lockPath}`,
    );
  }
  throw new ResultsFileError(`could not take the lock ${lockPath}`);
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
