// A consumer project OUTSIDE the repository, as a new user makes one: `npm pack` of this checkout (its built dist/),
// then `npm install` of that tarball plus the tools the consumer tests drive (TypeScript, Vite, esbuild). Nothing in
// it can reach this repository's node_modules. One project per `npm test` run, shared by the consumer test files
// (they run in parallel processes of the same vitest run: the first one builds it, the others wait for it).
// npm's own cache (~/.npm) stays warm between runs, so a second run installs without downloading.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const REPO = resolve(import.meta.dirname, "../..");

/** The tools the consumer tests use, pinned; TypeScript and esbuild at the repository's own versions. */
const REPO_PACKAGE = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};
export const CONSUMER_TOOLS = [
  `typescript@${REPO_PACKAGE.devDependencies.typescript}`,
  `esbuild@${REPO_PACKAGE.devDependencies.esbuild}`,
  `@types/node@${REPO_PACKAGE.devDependencies["@types/node"]}`,
  "vite@^8.4.0",
  // esbuild has no built-in handling of `new URL("…", import.meta.url)`; this is the plugin esbuild users add for it.
  "@chialab/esbuild-plugin-meta-url@^0.19.2",
];

/** What `npm pack --json` says about the tarball. */
export interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

export interface Consumer {
  /** The consumer project: package.json, node_modules/optimlab from the tarball, the tools. */
  dir: string;
  tarball: string;
  pack: PackInfo;
  /** Seconds the setup took (pack + install), as measured by the process that did it. */
  setupSeconds: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; resolves with its exit code and output instead of throwing on failure. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: { ...cleanEnv(), ...options.env },
      timeout: options.timeout ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof failed.code === "number" ? failed.code : 1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr || failed.message,
    };
  }
}

/** The environment without what would point a consumer back into this repository (NODE_PATH, npm's run-script variables). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // npm's run-script variables describe this repository's package; npm_config_cache (where npm keeps its cache) stays.
    if (key === "NODE_PATH" || key === "NODE_OPTIONS" || key === "INIT_CWD") continue;
    if (key.startsWith("npm_") && key !== "npm_config_cache") continue;
    env[key] = value;
  }
  // The repository's node_modules/.bin must not shadow the consumer's own tools.
  env.PATH = (process.env.PATH ?? "")
    .split(":")
    .filter((entry) => !entry.startsWith(REPO))
    .join(":");
  return env;
}

/** Runs `command` and throws with its output when it fails. */
export async function mustRun(command: string, args: string[], options: { cwd: string; timeout?: number }) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.code}) in ${options.cwd}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

const ROOT_PREFIX = "optimlab-consumer-";

/** Removes the projects of earlier runs whose vitest process is gone. */
async function removeStaleProjects(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(ROOT_PREFIX)) continue;
    const pid = Number(name.slice(ROOT_PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.ppid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

async function createProject(root: string): Promise<Consumer> {
  const started = performance.now();
  // dist/ is built by `npm test` (scripts/ensure.sh) before vitest starts; prepack would build it again.
  const packed = await mustRun("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", root], {
    cwd: REPO,
  });
  const pack = (JSON.parse(packed.stdout) as PackInfo[])[0]!;
  const tarball = join(root, pack.filename);
  const dir = join(root, "project");
  await mkdir(dir);
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "optimlab-consumer", private: true, type: "module" }, null, 2),
  );
  await mustRun(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, ...CONSUMER_TOOLS],
    { cwd: dir, timeout: 600_000 },
  );
  return { dir, tarball, pack, setupSeconds: (performance.now() - started) / 1000 };
}

let project: Promise<Consumer> | undefined;

/**
 * The consumer project of this test run. The first test file to ask creates it (mkdir is the lock); the others poll
 * for its ready.json.
 */
export function consumerProject(): Promise<Consumer> {
  project ??= (async () => {
    const root = join(tmpdir(), `${ROOT_PREFIX}${process.ppid}`);
    const ready = join(root, "ready.json");
    const failed = join(root, "failed.txt");
    let owner = false;
    try {
      await mkdir(root);
      owner = true;
    } catch {
      // Another test file of this run creates it.
    }
    if (owner) {
      await removeStaleProjects();
      try {
        const consumer = await createProject(root);
        // Written whole, then renamed: a waiting process never reads half of it.
        await writeFile(`${ready}.tmp`, JSON.stringify(consumer));
        await rename(`${ready}.tmp`, ready);
        return consumer;
      } catch (error) {
        await writeFile(failed, String((error as Error).stack ?? error));
        throw error;
      }
    }
    for (;;) {
      if (existsSync(ready)) return JSON.parse(await readFile(ready, "utf8")) as Consumer;
      if (existsSync(failed))
        throw new Error(`the consumer project failed to install:\n${await readFile(failed, "utf8")}`);
      await new Promise((done) => setTimeout(done, 500));
    }
  })();
  return project;
}
