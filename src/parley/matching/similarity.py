"""String similarity on skeletons: how close two spellings are once folded.

Names are compared letter by letter on their skeletons (``parley.matching.skeleton``),
which are short ASCII strings, so plain Python is fast enough; results are cached per
pair because a list repeats its names.
"""

from __future__ import annotations

import functools

__all__ = ["edit_distance", "jaro_winkler"]


@functools.lru_cache(maxsize=1 << 18)
def jaro_winkler(a: str, b: str) -> float:
    """The Jaro-Winkler similarity of two strings: 1.0 equal, 0.0 nothing in common.

    Winkler's prefix bonus (0.1 per shared letter, at most four) favours names that agree
    at the start, where spellings vary least.
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    taken = [False] * len(b)
    matched_a: list[str] = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == ch:
                taken[j] = True
                matched_a.append(ch)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j, used in enumerate(taken) if used]
    half_transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True))
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - half_transpositions / 2) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


@functools.lru_cache(maxsize=1 << 16)
def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """The Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` when it is above ``limit``.

    Used on identity numbers, where one mistyped or dropped character is common and two
    are not.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)
