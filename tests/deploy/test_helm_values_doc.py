"""Every value of the chart is documented, in values.yaml and in deploy/helm/README.md."""

from __future__ import annotations

import re

import yaml

from tests.deploy import paths

VALUES_TEXT = (paths.CHART / "values.yaml").read_text()
README = (paths.CHART.parent / "README.md").read_text()


def leaves(tree: dict, prefix: str = "") -> set[str]:
    """Dotted paths of every non-mapping value (and of empty mappings)."""
    found = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        found |= leaves(value, f"{path}.") if isinstance(value, dict) and value else {path}
    return found


def documented() -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", README, re.M))


def covered(path: str, docs: set[str]) -> bool:
    # A documented mapping (e.g. `worker.resources`) covers the fields under it.
    parts = path.split(".")
    return any(".".join(parts[:n]) in docs for n in range(1, len(parts) + 1))


def test_every_value_is_in_the_readme_table():
    docs = documented()
    missing = {p for p in leaves(yaml.safe_load(VALUES_TEXT)) if not covered(p, docs)}
    assert missing == set()


def test_the_readme_names_no_value_the_chart_lacks():
    values = yaml.safe_load(VALUES_TEXT)
    for path in documented():
        node = values
        for key in path.split("."):
            assert isinstance(node, dict) and key in node, path
            node = node[key]


def test_every_documented_value_has_a_comment_in_values_yaml():
    # one `# -- ` comment per row of the README table
    assert VALUES_TEXT.count("# -- ") == len(documented())
