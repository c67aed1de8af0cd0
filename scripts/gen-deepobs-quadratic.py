"""DeepOBS's quadratic_deep, built as DeepOBS builds it, into test/fixtures/deepobs-quadratic.json.

Hessian: a module-level np.random.RandomState(42) draws 90 eigenvalues from U(0, 1), 10 from U(30, 60), then a
Haar-random rotation R (Diaconis–Shahshahani); Q = Rᵀ·diag(λ)·R. Data: RandomState(42) (train) and (43) (test)
normal(0, 0.6, (1000, 100)) as float32. The "network" is θ (ones) and each sample's 0.5·(θ − x)ᵀQ(θ − x), the loss
its batch mean; torch (float32) gives the losses and gradients of a few SGD steps on the first batches in order.
Usage: python scripts/gen-deepobs-quadratic.py [out.json]   (needs numpy and torch)
"""
import json
import sys

import numpy as np
import torch

DIM, ROWS, NOISE, BATCH, STEPS, LR = 100, 1000, 0.6, 128, 6, 0.02


def random_rotation(rng, d):
    t = 2 * np.pi * rng.uniform()
    r = [[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]
    for k in range(2, d):
        v = rng.normal(size=(k + 1, 1))
        v = np.divide(v, np.sqrt(np.transpose(v).dot(v)))
        e = np.concatenate((np.array([[1.0]]), np.zeros((k, 1))), axis=0)
        x = np.divide((e - v), (np.sqrt(np.transpose(e - v).dot(e - v))))
        dm = np.vstack([np.hstack([[[1.0]], np.zeros((1, k))]), np.hstack([np.zeros((k, 1)), r])])
        r = dm - 2 * np.outer(x, np.transpose(x).dot(dm))
    return np.negative(r)


def main():
    rng = np.random.RandomState(42)
    eigenvalues = np.concatenate((rng.uniform(0.0, 1.0, 90), rng.uniform(30.0, 60.0, 10)), axis=0)
    rotation = random_rotation(rng, DIM)
    hessian = np.matmul(np.transpose(rotation), np.matmul(np.diag(eigenvalues), rotation))
    train = np.float32(np.random.RandomState(42).normal(0.0, NOISE, (ROWS, DIM)))
    test = np.float32(np.random.RandomState(43).normal(0.0, NOISE, (ROWS, DIM)))

    q32 = torch.tensor(hessian, dtype=torch.float32)
    theta = torch.ones(DIM, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=LR)
    steps = []
    for step in range(STEPS):
        x = torch.from_numpy(train[step * BATCH:(step + 1) * BATCH])
        optimizer.zero_grad()
        q = theta - x
        loss = torch.mean(0.5 * torch.diag(torch.mm(q, torch.mm(q32, torch.transpose(q, 0, 1)))))
        loss.backward()
        steps.append({"loss": loss.item(), "grad_head": theta.grad[:8].tolist()})
        optimizer.step()

    picks = np.random.RandomState(0).randint(0, DIM, size=(24, 2))
    fixture = {
        "generator": "scripts/gen-deepobs-quadratic.py",
        "numpy_version": np.__version__,
        "torch_version": torch.__version__,
        "dim": DIM,
        "rows": ROWS,
        "noise": NOISE,
        "eigenvalues_sorted_head": sorted(eigenvalues.tolist())[:5],
        "eigenvalues_sorted_tail": sorted(eigenvalues.tolist())[-5:],
        "hessian_trace": float(np.trace(hessian)),
        "hessian_entries": [[int(i), int(j), float(hessian[i, j])] for i, j in picks],
        "train_rows": {str(r): train[r, :6].tolist() for r in (0, 1, 500, ROWS - 1)},
        "test_rows": {str(r): test[r, :6].tolist() for r in (0, ROWS - 1)},
        "sgd": {"lr": LR, "batch_size": BATCH, "batches_in_order": True, "steps": steps,
                "final_theta_head": theta.detach()[:8].tolist()},
    }
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/deepobs-quadratic.json"
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
