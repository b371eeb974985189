"""Vote thresholds as users write them ("2/3", "60%") and as exact fractions the counting uses."""
from __future__ import annotations

from fractions import Fraction


def parse_threshold(text: str) -> Fraction:
    """ "2/3" → 2/3, "60%" → 3/5; exact, so 2 of 3 votes meet "2/3" with no rounding."""
    text = text.strip().replace(" ", "")
    if text.endswith("%"):
        return Fraction(text[:-1]) / 100
    top, bottom = text.split("/")
    return Fraction(int(top), int(bottom)) if int(bottom) else Fraction(0)


def vote_passes(yes: int, total: int, threshold: Fraction) -> bool:
    return total > 0 and Fraction(yes, total) >= threshold
