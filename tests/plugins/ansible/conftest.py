"""The ansible plugin's tests run the real ansible-playbook (ansible-core, a test extra of
the project, so it is installed beside the worker) on `localhost` with the local connection.
"""

from __future__ import annotations

import pytest

from podium.runtime import Runtime
from podium_ansible import locate


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    with Runtime.embedded(tmp_path_factory.mktemp("ansible")) as runtime:
        yield runtime


@pytest.fixture(autouse=True)
def system_path(monkeypatch):
    """The worker's PATH without user tool shims (pyenv's here): Ansible's interpreter
    discovery on localhost would pick a shim for a Python version it cannot run, as it
    would on a worker whose PATH has one. The worker's own ansible-playbook is still found
    (beside its Python, sys.prefix/bin)."""
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    assert locate.worker_ansible() is not None, "ansible-core is a test extra: pip install -e '.[test]'"
