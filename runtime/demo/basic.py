"""Built-in generators for plain values: numbers, dates, booleans, picks, options, text, copies."""
from __future__ import annotations

import copy as _copy
import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from runtime.demo.registry import generator, weighted


def _uniform(rng, lo: float, hi: float, log: bool) -> float:
    if log:
        return math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return rng.uniform(lo, hi)


@generator("int")
def int_(run, scope, spec, slot):
    lo, hi = int(spec["min"]), int(spec["max"])
    if spec.get("log"):
        return max(lo, min(hi, round(_uniform(run.rng, lo, hi, True))))
    return run.rng.randint(lo, hi)


@generator("decimal")
def decimal_(run, scope, spec, slot):
    """A decimal as a string with `places` digits (default 2), e.g. "12800.00"."""
    lo, hi = float(spec["min"]), float(spec["max"])
    x = _uniform(run.rng, lo, hi, bool(spec.get("log")))
    if spec.get("step"):
        step = float(spec["step"])
        x = max(lo, min(hi, round(x / step) * step))
    return f"{x:.{int(spec.get('places', 2))}f}"


def _day(run, scope, spec, slot) -> date | None:
    base = run.today
    if "base_field" in spec:
        value = run.resolve(scope, spec["base_field"], slot)
        if value is None:
            return None
        base = date.fromisoformat(str(value)[:10])
    day = base + timedelta(days=run.rng.randint(int(spec.get("from", 0)), int(spec.get("to", 0))))
    if spec.get("weekdays") and day.weekday() >= 5:
        day -= timedelta(days=day.weekday() - 4)
    if "until" in spec and day > run.today + timedelta(days=int(spec["until"])):
        return None
    return day


@generator("date")
def date_(run, scope, spec, slot):
    day = _day(run, scope, spec, slot)
    return day.isoformat() if day else None


@generator("datetime")
def datetime_(run, scope, spec, slot):
    day = _day(run, scope, spec, slot)
    if day is None:
        return None
    first, last = spec.get("hours", (9, 18))
    at = datetime(day.year, day.month, day.day, run.rng.randint(first, last - 1), run.rng.randrange(0, 60, 5))
    return at.isoformat()


@generator("bool")
def bool_(run, scope, spec, slot):
    return run.rng.random() < float(spec.get("prob", 0.5))


@generator("const")
def const(run, scope, spec, slot):
    return _copy.deepcopy(spec["value"])


@generator("pick")
def pick(run, scope, spec, slot):
    return _copy.deepcopy(weighted(run.rng, spec["values"], spec.get("weights")))


@generator("cycle")
def cycle(run, scope, spec, slot):
    """The n-th value (wrapping around) for the n-th record or row."""
    values = spec["values"]
    return _copy.deepcopy(values[(scope.n - 1) % len(values)])


@generator("option")
def option(run, scope, spec, slot):
    values = run.option_values(spec, slot)
    weights = spec.get("weights") or {}
    return weighted(run.rng, values, [weights.get(v, 1) for v in values])


@generator("options")
def options(run, scope, spec, slot):
    values = run.option_values(spec, slot)
    k = run.rng.randint(int(spec.get("min", 1)), min(int(spec.get("max", 3)), len(values)))
    chosen = set(run.rng.sample(values, k))
    return [v for v in values if v in chosen]


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)(?::([^{}]*))?\}")


@generator("text")
def text(run, scope, spec, slot):
    """A template with {placeholders}: `n`, a name from `vars`, or a field path ({customer.name:.4})."""
    templates = spec["templates"] if "templates" in spec else [spec["template"]]
    if "by" in spec:
        key = run.resolve(scope, spec["by"], slot)
        templates = templates.get(str(key)) or templates.get("*")
        if not templates:
            return None
    variables = spec.get("vars", {})
    chosen = scope.chosen

    def fill(match: re.Match) -> str:
        name, fmt = match.group(1), match.group(2) or ""
        if name == "n":
            value = scope.n
        elif name in variables:
            if name not in chosen:
                chosen[name] = run.rng.choice(variables[name])
            value = chosen[name]
        else:
            value = run.resolve(scope, name, slot)
        return "" if value is None else format(value, fmt)

    return _PLACEHOLDER.sub(fill, run.rng.choice(templates))


@generator("copy")
def copy(run, scope, spec, slot):
    """Another value by path (e.g. "product.price"), optionally times a random `ratio`."""
    value, link = run.lookup(scope, spec["field"], slot)
    if value is None:
        return None
    if link is not None:
        scope.links[slot.name] = link
    if "ratio" not in spec:
        return _copy.deepcopy(value)
    ratio = Decimal(str(weighted(run.rng, spec["ratio"], spec.get("weights"))))
    if isinstance(value, int):
        return int((value * ratio).to_integral_value())
    places = Decimal(1).scaleb(-int(spec.get("places", 2)))
    return str((Decimal(str(value)) * ratio).quantize(places))
