"""Built-in generators that reach other records: `ref` (a relation) and `rows` (subform rows)."""
from __future__ import annotations

from runtime.demo.registry import generator


@generator("ref")
def ref(run, scope, spec, slot):
    """The id of a random record created earlier in `form`, narrowed by `match`, `filter`, `distinct`."""
    form = spec["form"]
    candidates = run.records.get(form, [])
    for theirs, ours in spec.get("match", {}).items():
        wanted = run.resolve(scope, ours, slot)
        candidates = [c for c in candidates if wanted is not None and c.values.get(theirs) == wanted]
    for theirs, allowed in spec.get("filter", {}).items():
        candidates = [c for c in candidates if c.values.get(theirs) in allowed]
    used = run.used.setdefault((slot.form, *slot.path), set()) if spec.get("distinct") else None
    if used is not None:
        candidates = [c for c in candidates if c.id not in used]
    if not candidates:
        return None
    chosen = run.rng.choice(candidates)
    if used is not None:
        used.add(chosen.id)
    scope.links[slot.name] = (form, chosen.id)
    return chosen.id


@generator("rows")
def rows(run, scope, spec, slot):
    """Between `min` and `max` subform rows, each filled from `fields`; `unique_by` avoids repeats."""
    low = int(spec.get("min", 1))
    high = int(spec.get("max", low))
    key = spec.get("unique_by")
    out: list[dict] = []
    for _ in range(run.rng.randint(low, high)):
        for _attempt in range(10):
            row = run.new_scope(parent=scope, n=len(out) + 1)
            run.fill(spec["fields"], row, slot)
            if key is None or row.values.get(key) is None or all(r.get(key) != row.values[key] for r in out):
                out.append(run.clean(row.values))
                break
    return out
