"""The cache of script environments (worker/script_envs/cache.py), with real files and locks
and builders that stand in for uv: keys, one build per key, no half-built environment."""

from __future__ import annotations

import threading
import time

import pytest

from podium.common.errors import ScriptEnvironmentError
from podium.worker.script_envs.cache import MANIFEST, EnvCache, env_key, read_manifest
from podium.worker.script_envs.python_env import normalize_dependencies


def nothing() -> None:
    pass


def builder(calls: list[str], *, pause: float = 0.0, fail: bool = False):
    def build(folder):
        calls.append(folder.name)
        folder.mkdir()
        (folder / "file").write_text("x")
        time.sleep(pause)
        if fail:
            raise RuntimeError("installer failed")
        return {"built": True}
    return build


def test_keys_depend_on_every_line_and_its_order():
    assert env_key(["a", "b"]) == env_key(["a", "b"])
    assert len({env_key(["a", "b"]), env_key(["b", "a"]), env_key(["a"]),
                env_key(["a", "c"])}) == 4


def test_dependencies_are_normalised_before_keying():
    assert normalize_dependencies([" six==1.16.0", "idna", "", "six==1.16.0 "]) == \
        ("idna", "six==1.16.0")
    with pytest.raises(ScriptEnvironmentError, match="several lines"):
        normalize_dependencies(["six\n--index-url http://evil"])


def test_built_once_then_found(tmp_path):
    cache, calls = EnvCache(tmp_path), []
    folder, manifest, built = cache.get("python", "k1", builder(calls), waiting=nothing)
    assert built and manifest == {"built": True} and read_manifest(folder) == manifest
    again = cache.get("python", "k1", builder(calls), waiting=nothing)
    assert again == (folder, manifest, False) and calls == ["k1"]


def test_a_failed_build_leaves_nothing(tmp_path):
    cache, calls = EnvCache(tmp_path), []
    with pytest.raises(RuntimeError):
        cache.get("python", "k1", builder(calls, fail=True), waiting=nothing)
    assert not cache.folder("python", "k1").exists()
    folder, _, built = cache.get("python", "k1", builder(calls), waiting=nothing)
    assert built and calls == ["k1", "k1"]


def test_a_dead_builders_leftovers_are_replaced(tmp_path):
    cache, calls = EnvCache(tmp_path), []
    half = cache.folder("python", "k1")
    half.mkdir(parents=True)
    (half / "partial").write_text("killed mid-build")
    folder, _, built = cache.get("python", "k1", builder(calls), waiting=nothing)
    assert built and not (folder / "partial").exists() and (folder / MANIFEST).exists()


def test_the_same_environment_asked_for_at_once_is_built_once(tmp_path):
    cache, calls, results, waits = EnvCache(tmp_path), [], [], []
    start = threading.Barrier(3)

    def task():
        start.wait()
        results.append(cache.get("python", "k1", builder(calls, pause=0.5),
                                 waiting=lambda: waits.append(1)))

    threads = [threading.Thread(target=task) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["k1"]
    assert sorted(built for _, _, built in results) == [False, False, True]
    assert waits  # the others waited on the lock, they did not build


def test_waiting_can_give_up(tmp_path):
    cache, calls = EnvCache(tmp_path), []
    holding, release = threading.Event(), threading.Event()

    def slow(folder):
        holding.set()
        release.wait(10)
        return builder(calls)(folder)

    holder = threading.Thread(target=cache.get, args=("python", "k1", slow),
                              kwargs={"waiting": nothing})
    holder.start()
    holding.wait(10)

    def give_up():
        raise TimeoutError("killed while waiting")

    with pytest.raises(TimeoutError):
        cache.get("python", "k1", builder(calls), waiting=give_up)
    release.set()
    holder.join()
    assert calls == ["k1"]


def test_an_unwritable_root_fails_clearly(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(ScriptEnvironmentError, match="cannot be written"):
        EnvCache(blocked / "envs").get("python", "k1", builder([]), waiting=nothing)
