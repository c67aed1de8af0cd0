// The peer: the same MLP epoch in PyTorch on one CPU thread, through bench/torch_mlp.py, when the Python found
// (OPTIMLAB_PYTHON, else python3) can import torch. The bench never installs torch; when it is missing it says how.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./torch_mlp.py", import.meta.url));

export type TorchResult = { seconds: number; version: string } | { missing: string };

export function pythonCommand(): string {
  return process.env.OPTIMLAB_PYTHON || "python3";
}

/** Why torch cannot run here and how to add it, or undefined when `python -c "import torch"` works. */
export function torchMissing(): string | undefined {
  const python = pythonCommand();
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status === 0) return undefined;
  const why = probe.error ? `${python} not found` : `${python} cannot import torch`;
  return (
    `not measured (${why}). To add it without touching the system's Python: ` +
    `python3 -m venv ~/.venvs/torch && ~/.venvs/torch/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu ` +
    `&& OPTIMLAB_PYTHON=~/.venvs/torch/bin/python npm run bench`
  );
}

/** Best of `repeats` epochs over all rows of `pixels`, one thread. */
export async function torchEpochSeconds(
  layers: number[],
  pixels: Uint8Array,
  labels: Uint8Array,
  batchSize: number,
  repeats = 2,
): Promise<TorchResult> {
  const missing = torchMissing();
  if (missing) return { missing };
  const dir = await mkdtemp(join(tmpdir(), "optimlab-torch-bench-"));
  try {
    const data = join(dir, "digits.u8");
    await writeFile(data, Buffer.concat([pixels, labels]));
    const args = [SCRIPT, data, String(labels.length), String(layers[0]), layers.join(","), String(batchSize)];
    const child = spawnSync(pythonCommand(), [...args, String(repeats)], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    });
    if (child.status !== 0) throw new Error(`bench/torch_mlp.py failed (exit ${child.status}): ${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { seconds: number; torch: string };
    return { seconds: result.seconds, version: result.torch };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
