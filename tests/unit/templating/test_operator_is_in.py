"""The `isIn` operator (Kestra 0.24+). Oracle: Kestra's InExpressionTest."""

from podium.common.templating import render


def test_is_in_InExpressionTest():
    assert render("{{ state isIn ['SUCCESS', 'WARNING'] }}", {"state": "SUCCESS"}) == "true"
    assert render("{{ state isIn ['FAILED', 'KILLED'] }}", {"state": "SUCCESS"}) == "false"
    map_ = {"map": {"key": "value"}, "key": "key", "value": "value"}
    assert render("{{ key isIn map }}", map_) == "true"
    assert render("{{ value isIn map }}", map_) == "true"


def test_is_in_compares_texts_and_binds_like_a_comparison():
    assert render("{{ 1 isIn ['1', '2'] }}", {}) == "true"
    assert render("{{ null isIn [null] }}|{{ 'a' isIn null }}|{{ 'a' isIn 'abc' }}", {}) == \
        "false|false|false"
    # docs example: runIf of an afterExecution task
    assert render("{{ execution.state isIn ['SUCCESS', 'KILLED', 'CANCELLED'] and true }}",
                  {"execution": {"state": "KILLED"}}) == "true"
    assert render("{{ not ('x' isIn ['y']) }}", {}) == "true"
