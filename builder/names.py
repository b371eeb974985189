"""API names suggested from labels: Chinese through pinyin (客户名称 → kehu_mingcheng), always usable."""
from __future__ import annotations

import re
from collections.abc import Iterable

from pypinyin import lazy_pinyin
from pypinyin.seg.mmseg import seg

from form_engine.identifiers import name_problem

MAX = 40
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9]+")


def _han_words(text: str) -> list[str]:
    """Chinese text cut into words: the dictionary's phrases, and single characters paired up
    (most Chinese words have two characters, and the dictionary only knows irregular ones).
    After a phrase, an odd character out most often ends it (联系|人|姓名, 重庆|分|公司)."""
    words: list[str] = []
    singles: list[str] = []

    def flush() -> None:
        start = 1 if words and len(singles) % 2 else 0
        words.extend(singles[:start])
        words.extend("".join(singles[i:i + 2]) for i in range(start, len(singles), 2))
        singles.clear()
    for piece in seg.cut(text):
        if len(piece) == 1:
            singles.append(piece)
        else:
            flush()
            words.append(piece)
    flush()
    return words


def words_of(label: str) -> list[str]:
    """Lowercase ASCII words for `label`: pinyin for Chinese, letters and digits as they are."""
    out: list[str] = []
    for chunk in _WORD.findall(label or ""):
        if _HAN.match(chunk):
            out.extend("".join(lazy_pinyin(w)) for w in _han_words(chunk))
        else:
            out.append(chunk.lower())
    return [w for w in (re.sub(r"[^a-z0-9]", "", w) for w in out) if w]


def base_name(label: str, fallback: str = "field") -> str:
    """An identifier from the label alone (not yet checked against the names taken)."""
    name = ""
    for word in words_of(label):
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > MAX:
            break
        name = candidate
    if not name:
        name = words_of(label)[0][:MAX] if words_of(label) else fallback
    if not name[0].isalpha():
        name = f"{fallback[0]}_{name}"[:MAX]
    return name


def suggest_name(label: str, taken: Iterable[str] = (), fallback: str = "field") -> str:
    """A valid name (see form_engine.identifiers) for `label`, different from every name in `taken`."""
    taken = set(taken)
    base = base_name(label, fallback)
    candidate, n = base, 1
    while candidate in taken or name_problem(candidate):
        n += 1
        suffix = f"_{n}"
        candidate = base[:MAX - len(suffix)] + suffix
    return candidate
