"""The peer: the same MLP epoch in PyTorch on one CPU thread (bench/torch-mlp.ts runs it).

Reads the digits the bench wrote (u8 pixels, then u8 labels) and prints one JSON line:
{"seconds": best epoch, "torch": version, "threads": 1}.
Usage: python3 bench/torch_mlp.py DATA_FILE ROWS FEATURES LAYERS(784,100,100,10) BATCH REPEATS
"""

import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def main() -> None:
    path, rows, features, layers, batch, repeats = sys.argv[1:7]
    rows, features, batch, repeats = int(rows), int(features), int(batch), int(repeats)
    sizes = [int(size) for size in layers.split(",")]
    raw = torch.frombuffer(bytearray(open(path, "rb").read()), dtype=torch.uint8)
    pixels = raw[: rows * features].view(rows, features)
    labels = raw[rows * features : rows * features + rows].long()
    torch.manual_seed(0)
    modules = []
    for i in range(1, len(sizes)):
        modules.append(torch.nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def epoch(steps: int) -> float:
        loss = torch.zeros(())
        for start in range(0, min(rows, steps * batch), batch):
            x = pixels[start : start + batch].float().div_(255)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), labels[start : start + batch])
            loss.backward()
            optimizer.step()
        return loss.item()

    epoch(8)  # warm-up: first allocations
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        epoch(-(-rows // batch))
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"seconds": best, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
