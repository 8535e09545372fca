"""Suite-wide rules.

Service tests (marked `service`) may skip on a developer machine that lacks Redis,
PostgreSQL or S3, but under CI=true a skipped service test is a failure: CI must never go
green by not testing the distributed path. The same holds for `deploy_tools` tests (helm and
the compose schema that scripts/deploy-tools.sh fetches): CI must validate the deployment.
"""

from __future__ import annotations

import os

import pytest

# The S3 server (moto on loopback, or PODIUM_TEST_S3_URL), one per session for every suite
# that needs it: the storage contract and the integration tests on S3.
from tests.contract.storage_backends import s3_endpoint  # noqa: F401

# Markers of tests that may skip locally for a missing dependency, but never under CI.
MUST_RUN_IN_CI = ("service", "deploy_tools", "node", "script_runtimes", "faults", "sandbox",
                  "terraform", "docker", "browser")


@pytest.fixture(scope="session", autouse=True)
def script_env_dir(tmp_path_factory):
    """One cache of script environments for every runtime of the session (embedded ones
    read PODIUM_WORKER__SCRIPT_ENV_DIR): a Python task's environment is built once, and
    never in the user's ~/.podium."""
    if os.environ.get("PODIUM_WORKER__SCRIPT_ENV_DIR"):
        yield os.environ["PODIUM_WORKER__SCRIPT_ENV_DIR"]
        return
    folder = str(tmp_path_factory.mktemp("script-envs"))
    os.environ["PODIUM_WORKER__SCRIPT_ENV_DIR"] = folder
    # uv's download cache too, for the tests that build in a cache of their own.
    uv_cache = "UV_CACHE_DIR" not in os.environ
    if uv_cache:
        os.environ["UV_CACHE_DIR"] = os.path.join(folder, "uv-cache")
    yield folder
    os.environ.pop("PODIUM_WORKER__SCRIPT_ENV_DIR", None)
    if uv_cache:
        os.environ.pop("UV_CACHE_DIR", None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    expected_failure = hasattr(report, "wasxfail")  # pytest reports xfail as skipped
    marker = next((m for m in MUST_RUN_IN_CI if item.get_closest_marker(m)), None)
    if report.skipped and not expected_failure and marker and os.environ.get("CI") == "true":
        report.outcome = "failed"
        report.longrepr = f"{marker} test skipped under CI=true: {report.longrepr}"
