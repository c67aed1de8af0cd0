"""The peer of the notebook at full size: the notebook's eight optimizers at its lrs, one after another as the
notebook runs them, in PyTorch on one CPU thread (bench/notebook-42k.bench.ts runs it).

Reads Kaggle's train.csv layout (label, then 784 pixels per row, a header line) with numpy, holds out 20% (a seeded
shuffle), and trains the 784-100-100-10 MLP with each optimizer for 3 epochs at batch 256 (a shuffled DataLoader
per epoch), evaluating the held-out rows after every epoch, as `optimlab compare --notebook-lrs --epochs 3` does.
Prints one JSON line: {"readSeconds", "trainSeconds", "totalSeconds", "accuracies", "torch", "threads"}.
Usage: python3 bench/torch_notebook.py TRAIN_CSV
"""

import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)

# The notebook's line-up at its lrs (optimlab's NOTEBOOK_LINEUP).
LINEUP = [
    ("SGD", lambda p: torch.optim.SGD(p, lr=1e-2)),
    ("Momentum", lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9)),
    ("Nesterov", lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True)),
    ("Adagrad", lambda p: torch.optim.Adagrad(p, lr=1e-3)),
    ("RMSProp", lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9)),
    ("Adam", lambda p: torch.optim.Adam(p, lr=1e-3)),
    ("AdaMax", lambda p: torch.optim.Adamax(p, lr=2e-3)),
    ("NAdam", lambda p: torch.optim.NAdam(p, lr=2e-3)),
]
EPOCHS, BATCH, HOLDOUT = 3, 256, 0.2


def main() -> None:
    started = time.perf_counter()
    table = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.uint8)
    labels = torch.from_numpy(table[:, 0].astype(np.int64))
    pixels = torch.from_numpy(np.ascontiguousarray(table[:, 1:]))
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    test_count = round(len(labels) * HOLDOUT)
    train, test = order[test_count:], order[:test_count]
    x_train, y_train = pixels[train].float().div_(255), labels[train]
    x_test, y_test = pixels[test].float().div_(255), labels[test]
    read = time.perf_counter()
    accuracies = {}
    for name, make in LINEUP:
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
        )
        optimizer = make(model.parameters())
        for _ in range(EPOCHS):
            for batch in torch.randperm(len(y_train)).split(BATCH):
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
            with torch.no_grad():
                accuracies[name] = (model(x_test).argmax(1) == y_test).float().mean().item()
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "readSeconds": read - started,
                "trainSeconds": done - read,
                "totalSeconds": done - started,
                "accuracies": accuracies,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
