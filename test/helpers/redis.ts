// A private Redis for the sweep tests: Debian's redis-server (scripts/setup-toolchain.sh --redis installs it) on a
// free loopback port, its files in a temporary folder, nothing saved, stopped (and the folder removed) by stop().
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server accepts connections; rejects with its output when it exits first. */
function ready(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    };
    server.stdout!.on("data", onData);
    server.stderr!.on("data", onData);
    server.once("error", (error) =>
      reject(new Error(`cannot start redis-server (run: bash scripts/setup-toolchain.sh --redis): ${error.message}`)),
    );
    server.once("exit", (code) => reject(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
}

export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), "optimlab-redis-"));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      await ready(server);
    } catch (error) {
      server.kill("SIGKILL");
      if (attempt < 3 && /Address already in use/.test((error as Error).message)) continue; // the port was taken meanwhile
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        if (server.exitCode === null) {
          const exited = new Promise((resolve) => server.once("exit", resolve));
          server.kill("SIGTERM");
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
