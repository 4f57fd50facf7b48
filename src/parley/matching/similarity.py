"""String similarity on skeletons: how close two spellings are once folded.

Names are compared letter by letter on their skeletons (``parley.matching.skeleton``),
short ASCII strings; RapidFuzz computes the measures in C, since blocking hands this
module hundreds of thousands of pairs.
"""

from __future__ import annotations

from rapidfuzz.distance import JaroWinkler

__all__ = ["jaro_winkler"]


def jaro_winkler(a: str, b: str) -> float:
    """The Jaro-Winkler similarity of two strings: 1.0 equal, 0.0 nothing in common.

    Winkler's prefix bonus (0.1 per shared letter, at most four, once the Jaro
    similarity passes 0.7) favours names that agree at the start, where spellings vary
    least.
    """
    return float(JaroWinkler.similarity(a, b))
