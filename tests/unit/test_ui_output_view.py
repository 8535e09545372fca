"""The Outputs tab's pure parts (api/ui/output_view.py): output values as trees, and the
preview of a stored file's first bytes."""

from __future__ import annotations

from podium.api.ui.output_view import MAX_CHILDREN, PREVIEW_ROWS, preview, tree


def test_a_value_becomes_a_tree_of_maps_lists_files_and_scalars():
    node = tree("outputs", {"rows": [1, "kestra:///a/b.csv"], "name": "<b>", "ok": None})
    assert (node.kind, node.text) == ("map", "3 keys")
    rows, name, ok = node.children
    assert (rows.kind, rows.text) == ("list", "2 items")
    assert [(c.key, c.kind, c.text) for c in rows.children] == [
        ("0", "value", "1"), ("1", "file", "kestra:///a/b.csv")]
    assert (name.kind, name.text) == ("text", "<b>")  # escaped by the template, not here
    assert (ok.kind, ok.text) == ("value", "null")
    assert tree("x", {"one": 1}).text == "1 key"


def test_a_long_list_is_cut_and_counted():
    node = tree("many", list(range(MAX_CHILDREN + 5)))
    assert len(node.children) == MAX_CHILDREN and node.hidden == 5


def test_csv_previews_as_a_table_of_at_most_the_first_rows():
    rows = "".join(f"{n},{n * 2}\n" for n in range(PREVIEW_ROWS + 50))
    shown = preview("data.csv", len(rows) + 8, ("a,b\n" + rows).encode())
    assert shown.kind == "table" and shown.columns == ["a", "b"]
    assert len(shown.rows) == PREVIEW_ROWS and shown.rows[0] == ["0", "0"]
    assert shown.truncated


def test_a_cut_file_stops_at_its_last_whole_line():
    shown = preview("notes.txt", 1000, "one\ntwo\nthr".encode())
    assert (shown.kind, shown.text, shown.truncated) == ("text", "one\ntwo\n", True)


def test_json_is_pretty_and_ion_records_are_a_table():
    assert preview("a.json", 9, b'{"a":[1]}').text == '{\n  "a": [\n    1\n  ]\n}'
    ion = b'{name:"ada",n:1}\n{name:"bob",n:2}\n'
    shown = preview("rows.ion", len(ion), ion)
    assert shown.kind == "table" and shown.columns == ["name", "n"]
    assert shown.rows == [["ada", "1"], ["bob", "2"]]


def test_a_file_that_is_not_what_its_name_says_is_text_or_binary():
    assert preview("a.json", 5, b"nope!").kind == "text"
    assert preview("a.bin", 4, b"\x00\x01\x02\x03").kind == "binary"
    assert preview("a.txt", 4, b"\xff\xfe\xfd\xfc").kind == "binary"
    # A multi-byte character cut at the end of the head is text all the same.
    assert preview("a.txt", 10, "ab\né".encode()[:-1]).kind == "text"
