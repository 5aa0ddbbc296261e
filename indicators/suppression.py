"""Reporting-threshold rules: which cells read "för få svar".

Pure: the standard library only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from numbers import Integral

#: Default reporting threshold: cells with fewer valid answers are suppressed.
DEFAULT_THRESHOLD = 5
#: No installation may configure a threshold below this.
MIN_THRESHOLD = 3


def check_threshold(threshold) -> int:
    """Return `threshold` as int, or raise ValueError if it is not an integer >= 3."""
    if isinstance(threshold, bool) or not isinstance(threshold, Integral):
        raise ValueError(f"reporting threshold must be an integer, got {threshold!r}")
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"reporting threshold must be at least {MIN_THRESHOLD}, got {threshold}")
    return int(threshold)


def suppress_breakdown(
    counts: Mapping[Hashable, int],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    total_shown: bool = True,
) -> frozenset:
    """Return the categories of a breakdown that must be hidden.

    Parameters
    ----------
    counts : mapping of category -> int
        n of each category of one breakdown cell. The categories must partition the total:
        give respondents without a value their own category (e.g. "uppgift saknas").
    threshold : int, default 5
        Reporting threshold, at least 3.
    total_shown : bool, default True
        Whether the total of the breakdown is shown next to it.

    Returns
    -------
    frozenset
        Primary: every category with n < threshold. Secondary: when the total is shown and
        exactly one non-empty category is below the threshold, also the smallest other
        non-empty category (by n; ties go to the first in `counts` order).

    Notes
    -----
    A category with n = 0 is hidden ("för få svar") but does not trigger secondary
    suppression and is never picked as the secondary: deriving it from the total reveals
    no answer, and counting it would let two small categories (say n = 2 and n = 0) pass
    as "two below the threshold" while the n = 2 one stays derivable as total minus the
    shown ones.
    """
    threshold = check_threshold(threshold)
    for name, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
            raise ValueError(f"count of category {name!r} must be a non-negative integer, got {n!r}")
    hidden = {name for name, n in counts.items() if n < threshold}
    small = [name for name, n in counts.items() if 0 < n < threshold]
    if total_shown and len(small) == 1:
        others = [(n, i, name) for i, (name, n) in enumerate(counts.items()) if n >= threshold]
        if others:
            hidden.add(min(others)[2])
    return frozenset(hidden)
