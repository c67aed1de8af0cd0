"""Writes test/fixtures/muon-replay.json: torch.optim.Muon replayed on every option, one case per option value.

Run with the torch the other replay fixtures came from (2.13.0, on CPU):
    python -m venv venv && venv/bin/pip install torch==2.13.0 numpy
    venv/bin/python scripts/gen-muon-replay.py
A wider check than the committed cases (random options and shapes up to 80×80; the replay tests then read them):
    venv/bin/python scripts/gen-muon-replay.py --random 300 --max-dim 80 --seed 2
    cargo test --release -p optimlab --test optimizers every_replay; git checkout test/fixtures/muon-replay.json
The cases have the form of torch-optim-replay.json (init, 25 gradients, the parameters after each step), so the
replay tests read them without naming them. Muon's Newton–Schulz runs in bfloat16, so the last bits of every
rounding matter: the cases vary the shapes (wide, tall, square, a row, a column), the gradient scale (tiny,
so that eps clamps the norm) and each option away from its default.
"""

import argparse
import json
import platform
import random
import sys
from pathlib import Path

import numpy as np
import torch

STEPS = 25
WIDE_AND_TALL = [[5, 3], [3, 4]]

# (name, options, shapes, gradient scale); everything not named is torch's default.
CASES = [
    ("muon defaults, lr 0.02", {"lr": 0.02}, WIDE_AND_TALL, 1.0),
    # The hidden case issue 16 reported: the non-Nesterov path with decay, leaving torch at step 6.
    ("muon nesterov false, weight_decay 0.01, lr 0.05, momentum 0.9",
     {"nesterov": False, "weight_decay": 0.01, "lr": 0.05, "momentum": 0.9}, WIDE_AND_TALL, 1.0),
    ("muon nesterov false", {"lr": 0.02, "nesterov": False}, WIDE_AND_TALL, 1.0),
    ("muon momentum 0", {"lr": 0.02, "momentum": 0.0}, WIDE_AND_TALL, 1.0),
    ("muon momentum 0.99, nesterov false", {"lr": 0.02, "momentum": 0.99, "nesterov": False}, WIDE_AND_TALL, 1.0),
    ("muon weight_decay 0", {"lr": 0.05, "weight_decay": 0.0}, WIDE_AND_TALL, 1.0),
    ("muon weight_decay 0.5", {"lr": 0.05, "weight_decay": 0.5}, WIDE_AND_TALL, 1.0),
    ("muon lr 0.1", {"lr": 0.1}, WIDE_AND_TALL, 1.0),
    ("muon ns_steps 0", {"lr": 0.02, "ns_steps": 0}, WIDE_AND_TALL, 1.0),
    ("muon ns_steps 1", {"lr": 0.02, "ns_steps": 1}, WIDE_AND_TALL, 1.0),
    ("muon ns_steps 3", {"lr": 0.02, "ns_steps": 3}, WIDE_AND_TALL, 1.0),
    ("muon ns_steps 12", {"lr": 0.02, "ns_steps": 12}, WIDE_AND_TALL, 1.0),
    ("muon ns_coefficients cubic (1.5, -0.5, 0)", {"lr": 0.02, "ns_coefficients": [1.5, -0.5, 0.0]}, WIDE_AND_TALL, 1.0),
    ("muon ns_coefficients (2, -1.5, 0.5)", {"lr": 0.02, "ns_coefficients": [2.0, -1.5, 0.5]}, WIDE_AND_TALL, 1.0),
    ("muon eps 1e-7, tiny gradients", {"lr": 0.02}, WIDE_AND_TALL, 1e-8),
    ("muon eps 10 (above the norm)", {"lr": 0.02, "eps": 10.0}, WIDE_AND_TALL, 1.0),
    ("muon adjust_lr_fn original", {"lr": 0.02, "adjust_lr_fn": "original"}, WIDE_AND_TALL, 1.0),
    ("muon adjust_lr_fn match_rms_adamw", {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw"}, WIDE_AND_TALL, 1.0),
    ("muon square, row and column", {"lr": 0.03, "nesterov": False}, [[4, 4], [1, 6], [6, 1]], 1.0),
    ("muon tall and wide, large gradients", {"lr": 0.02, "momentum": 0.8}, [[8, 2], [2, 7]], 1000.0),
    ("muon larger, match_rms_adamw", {"lr": 0.01, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.02},
     [[10, 6], [6, 9]], 1.0),
]


def flat(tensors):
    """Each tensor row-major, each value the shortest decimal that reads back as the same float32."""
    return [[float(str(x)) for x in t.detach().flatten().numpy()] for t in tensors]


def replay(seed, options, shapes, scale):
    generator = torch.Generator().manual_seed(seed)
    params = [torch.randn(shape, generator=generator, dtype=torch.float32) for shape in shapes]
    grads = [[torch.randn(shape, generator=generator, dtype=torch.float32) * scale for shape in shapes]
             for _ in range(STEPS)]
    init = flat(params)
    params = [p.requires_grad_(True) for p in params]
    optimizer = torch.optim.Muon(params, **options)
    after = []
    for step_grads in grads:
        for param, grad in zip(params, step_grads):
            param.grad = grad.clone()
        optimizer.step()
        after.append(flat(params))
    return {"init": init, "grads": [flat(g) for g in grads], "params": after}


def random_cases(count, max_dim, seed):
    """(name, options, shapes, scale) drawn at random: every option but the coefficients and eps, any shapes."""
    rng = random.Random(seed)
    for k in range(count):
        options = {
            "lr": rng.choice([0.01, 0.02, 0.05, 0.1]),
            "nesterov": rng.random() < 0.5,
            "momentum": rng.choice([0.0, 0.5, 0.9, 0.95, 0.99]),
            "weight_decay": rng.choice([0.0, 0.01, 0.1]),
            "ns_steps": rng.choice([1, 3, 5, 8]),
            "adjust_lr_fn": rng.choice([None, "match_rms_adamw"]),
        }
        shapes = [[rng.randint(1, max_dim), rng.randint(1, max_dim)] for _ in range(2)]
        yield f"muon random {seed}.{k}", options, shapes, rng.choice([1.0, 0.01, 100.0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--random", type=int, help="write this many random cases instead of the committed ones")
    parser.add_argument("--max-dim", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cases = []
    chosen = random_cases(args.random, args.max_dim, args.seed) if args.random else CASES
    for seed, (name, options, shapes, scale) in enumerate(chosen):
        case = {"name": name, "optimizer": "Muon", "options": options, "shapes": shapes}
        case.update(replay(1000 + seed, options, shapes, scale))
        cases.append(case)
    fixture = {
        "generator": "torch.optim.Muon, by scripts/gen-muon-replay.py",
        "torch_version": torch.__version__,
        "machine": f"{platform.machine()}, torch CPU capability {torch.backends.cpu.get_cpu_capability()}",
        "dtype": "float32",
        "steps": STEPS,
        "note": "params[k] holds every parameter tensor (row-major, flattened) after step k+1 given grads[k]; "
        "init and grads are torch.randn from torch.Generator().manual_seed(1000 + case index), grads times the "
        "case's scale; options are torch's keyword arguments, everything not named is torch's default",
        "cases": cases,
    }
    out = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "muon-replay.json"
    out.write_text(json.dumps(fixture) + "\n")
    print(f"{out}: {len(cases)} cases, torch {torch.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
