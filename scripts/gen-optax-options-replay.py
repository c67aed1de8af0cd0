"""Writes test/fixtures/optax-options-replay.json: optax optimizers replayed with the options that change their
numbers and that optax-replay.json leaves at their defaults (schedule_free_adamw's warmup_steps), and the full
signature (parameter names) of each optax optimizer optimlab implements, which the tests check every one is
declared (taken, or refused as "not supported yet").

Run with the optax and jax the other optax fixture came from:
    python -m venv venv && venv/bin/pip install "jax[cpu]==0.10.2" optax==0.2.8
    venv/bin/python scripts/gen-optax-options-replay.py
The cases have optax-replay.json's form (init, 25 gradients, the parameters after each update; schedule-free
records the iterate optax stores as params), so the replay tests read them without naming them.
"""

import inspect
import json
import platform
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

STEPS = 25
OPTAX = "lion lamb lars adabelief yogi novograd adan sign_sgd fromage sm3".split()
CONTRIB = "adopt ademamix madgrad prodigy dadapt_adamw schedule_free_adamw cocob".split()
SHAPES = [[5, 3], [5], [2, 2]]

# (name, optax function, options); everything not named is optax's default.
CASES = [
    ("schedule_free_adamw warmup_steps 10", "contrib.schedule_free_adamw", {"learning_rate": 0.01, "warmup_steps": 10}),
    ("schedule_free_adamw warmup_steps 3, weight_decay 0.01", "contrib.schedule_free_adamw",
     {"learning_rate": 0.05, "warmup_steps": 3, "weight_decay": 0.01}),
    ("schedule_free_adamw warmup_steps 40 (longer than the run)", "contrib.schedule_free_adamw",
     {"learning_rate": 0.02, "warmup_steps": 40, "b1": 0.8, "weight_lr_power": 1.0}),
]


def shortest(x):
    """The shortest decimal that reads back as the same float32."""
    return float(str(np.float32(x)))


def flat(tensors):
    return [[shortest(x) for x in np.asarray(t, dtype=np.float32).ravel()] for t in tensors]


def replay(seed, function, options):
    rng = np.random.default_rng(seed)
    params = [jnp.asarray(rng.standard_normal(shape), dtype=jnp.float32) for shape in SHAPES]
    grads = [[jnp.asarray(rng.standard_normal(shape), dtype=jnp.float32) for shape in SHAPES] for _ in range(STEPS)]
    module, name = function.rsplit(".", 1) if "." in function else ("", function)
    make = getattr(getattr(optax, module) if module else optax, name)
    optimizer = make(**options)
    init = flat(params)
    state = optimizer.init(params)
    after = []
    for step_grads in grads:
        updates, state = optimizer.update(step_grads, state, params)
        params = optax.apply_updates(params, updates)
        after.append(flat(params))
    return {"init": init, "grads": [flat(g) for g in grads], "params": after}


def signatures():
    """Each optimizer's parameter names, in optax's order."""
    return {
        name: list(inspect.signature(getattr(optax.contrib if name in CONTRIB else optax, name)).parameters)
        for name in OPTAX + CONTRIB
    }


def main():
    cases = []
    for index, (name, function, options) in enumerate(CASES):
        case = {"name": name, "optimizer": f"optax.{function}", "options": options, "shapes": SHAPES}
        case.update(replay(2000 + index, function, options))
        cases.append(case)
    fixture = {
        "generator": "optax, by scripts/gen-optax-options-replay.py",
        "optax_version": optax.__version__,
        "jax_version": jax.__version__,
        "machine": platform.machine(),
        "dtype": "float32",
        "steps": STEPS,
        "note": "params[k]: every parameter (row-major, flattened) after update k+1 given grads[k]; init and grads "
        "from numpy.random.default_rng(2000 + case index) standard normals; schedule_free_adamw records the raw "
        "iterate optax stores as params; options are optax's keyword arguments, everything not named its default",
        "signatures": signatures(),
        "cases": cases,
    }
    out = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "optax-options-replay.json"
    out.write_text(json.dumps(fixture) + "\n")
    print(f"{out}: {len(cases)} cases, optax {optax.__version__}")


if __name__ == "__main__":
    main()
