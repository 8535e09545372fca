"""Which known type names are close enough to a misspelt one to be worth suggesting.

A suggestion is only useful when it is a plausible typo of what was written: a few edits
relative to the length of the name, compared on the full name and, for a name in the right
package (or a short name alone), on the class name. Anything further away is noise
("did you mean io.kestra.plugin.core.kv.Set" for a Snowflake query), so nothing is better.
"""

from __future__ import annotations


def close_names(given: str, known: list[str], limit: int = 3) -> list[str]:
    """Up to `limit` names of `known` that `given` is plausibly a typo of, closest first."""
    scored = [(score, name) for name in known
              if (score := _distance_if_close(given.lower(), name.lower())) is not None]
    return [name for _, name in sorted(scored)[:limit]]


def _distance_if_close(given: str, name: str) -> int | None:
    # A slip anywhere in the name (a missing dot, a doubled letter): one or two edits.
    full = _bounded(given, name, max(1, len(given) // 20))
    if full is not None:
        return full
    package, _, short = given.rpartition(".")
    known_package, _, known_short = name.rpartition(".")
    short_distance = _bounded(short, known_short, max(1, len(short) // 4))
    if short_distance is None:
        return None
    if not package:
        return short_distance
    package_distance = _bounded(package, known_package, max(1, len(package) // 10))
    return None if package_distance is None else short_distance + package_distance


def _bounded(a: str, b: str, limit: int) -> int | None:
    """The edit distance of a and b when it is at most `limit`, else None."""
    if abs(len(a) - len(b)) > limit:
        return None
    distance = edit_distance(a, b)
    return distance if distance <= limit else None


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours (the optimal string
    alignment distance: `Lgo` is one edit from `Log`)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
