from __future__ import annotations

from podium.common.inputs import check_dependencies

from .conftest import ADAPTER


def inputs(*specs):
    """specs: (id, [dependsOn ids])"""
    return ADAPTER.validate_python([
        {"id": i, "type": "STRING", **({"dependsOn": {"inputs": deps}} if deps else {})}
        for i, deps in specs])


def test_no_problem():
    assert check_dependencies(inputs(("a", []), ("b", ["a"]), ("c", ["a", "b"]))) == []


def test_duplicate_ids():
    assert check_dependencies(inputs(("a", []), ("b", []), ("a", []))) == [
        (2, "duplicate input id `a`")]


def test_unknown_dependency():
    assert check_dependencies(inputs(("a", ["zzz"]))) == [
        (0, "input `a` depends on unknown input `zzz`")]


def test_cycle_reported_once_with_path():
    problems = check_dependencies(inputs(("a", ["b"]), ("b", ["a"]), ("c", ["a"])))
    assert problems == [(0, "dependency cycle between inputs: a -> b -> a")]


def test_longer_cycle_and_self_cycle():
    problems = check_dependencies(inputs(("x", []), ("a", ["c"]), ("b", ["a"]), ("c", ["b"]),
                                         ("s", ["s"])))
    assert (1, "dependency cycle between inputs: a -> c -> b -> a") in problems
    assert (4, "dependency cycle between inputs: s -> s") in problems


def test_long_chain_no_recursion_limit():
    n = 5000
    specs = [(f"i{k}", [f"i{k + 1}"] if k + 1 < n else []) for k in range(n)]
    assert check_dependencies(inputs(*specs)) == []


def test_nesting_conflict():
    assert check_dependencies(inputs(("a", []), ("a.b", []))) == [
        (1, "input id `a.b` conflicts with input `a`: `a` cannot be both a value and a group "
            "of inputs")]
    assert check_dependencies(inputs(("a.b", []), ("a.c", []))) == []
