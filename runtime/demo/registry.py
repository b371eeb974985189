"""The registry of demo value generators: each `gen` name maps to one function.

A generator is called as `fn(run, scope, spec, slot)` and returns a JSON-ish value or None.
`run` gives `rng`, `today`, `resolve()`, `lookup()`, `option_values()`, the created records
and `fill()`; `scope` holds the values generated so far for the record (or subform row);
`slot` says which field is being filled.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random
from typing import Any

GENERATORS: dict[str, Callable[..., Any]] = {}


def generator(name: str):
    """Register the decorated function as the generator called `name`."""

    def register(fn):
        GENERATORS[name] = fn
        return fn

    return register


def weighted(rng: Random, values: Sequence, weights: Sequence[float] | None = None):
    """One of `values`, drawn with `weights` when given."""
    if weights is None:
        return rng.choice(values)
    return rng.choices(values, weights=weights)[0]
