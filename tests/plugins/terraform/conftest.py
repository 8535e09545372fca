"""The terraform plugin's tests run the real terraform program (CI machines have
/usr/local/bin/terraform) with nothing to download: `terraform_data`, variables, locals and
outputs of the built-in provider, local state. The tests that need the program are marked
`terraform`: they skip on a machine without it, never under CI=true (tests/conftest.py)."""

from __future__ import annotations

import shutil

import pytest

from podium.runtime import Runtime


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    with Runtime.embedded(tmp_path_factory.mktemp("terraform")) as runtime:
        yield runtime


@pytest.fixture
def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform is not on PATH (https://developer.hashicorp.com/terraform/install)")
    return found
