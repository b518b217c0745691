from __future__ import annotations

from pathlib import Path

from reconciler.errors import Location
from reconciler.spec.yaml_loader import MAX_NODES, parse_yaml, read_yaml_file

from .support import has


def test_every_key_and_value_has_its_line_and_column() -> None:
    doc = parse_yaml("a:\n  b: 5\n  c: [x, {d: y}]\n", "f.yaml")
    assert doc.ok
    assert doc.data == {"a": {"b": 5, "c": ["x", {"d": "y"}]}}
    assert doc.places[("a", "b")].key == Location("f.yaml", 2, 3)
    assert doc.places[("a", "b")].value == Location("f.yaml", 2, 6)
    assert doc.places[("a", "c", 1, "d")].value == Location("f.yaml", 3, 14)
    # A mapping is named by its key, a scalar by its value.
    assert doc.places[("a",)].preferred == Location("f.yaml", 1, 1)
    assert doc.places[("a", "b")].preferred == Location("f.yaml", 2, 6)


def test_keys_are_kept_as_written_not_as_yaml_booleans_or_numbers() -> None:
    doc = parse_yaml("yes: 1\n2024: 2\nnull: 3\n", "f.yaml")
    assert doc.data == {"yes": 1, "2024": 2, "null": 3}


def test_duplicate_key_is_an_error_naming_the_first() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:3:1: error: duplicate key 'a' (first at f.yaml:1:1)")
    assert doc.data == {"a": 1, "b": 2}


def test_merge_keys_copy_entries_and_explicit_ones_win() -> None:
    text = "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n"
    doc = parse_yaml(text, "f.yaml")
    assert doc.ok
    assert doc.data == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}}
    assert doc.places[("use", "y")].value == Location("f.yaml", 4, 6)
    assert doc.places[("use",)].key == Location("f.yaml", 2, 1)


def test_merge_of_a_scalar_is_an_error() -> None:
    doc = parse_yaml("a:\n  <<: 5\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:2:7: error: a merge key (<<) needs a mapping")


def test_syntax_error_is_located() -> None:
    doc = parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert len(doc.diagnostics) == 1
    line = str(doc.diagnostics[0])
    assert line.startswith("f.yaml:3:")
    assert "error: invalid YAML" in line


def test_bad_indentation_is_located() -> None:
    doc = parse_yaml("a:\n  b: 1\n c: 2\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:3:2: error: invalid YAML")


def test_control_character_is_located() -> None:
    doc = parse_yaml("a: 1\nb: x\x01y\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:2:5: error: invalid YAML: character '\\x01'")


def test_tab_indentation_is_located() -> None:
    doc = parse_yaml("a:\n\tb: 1\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:2:1: error: invalid YAML")


def test_several_documents_in_one_file_are_an_error() -> None:
    doc = parse_yaml("a: 1\n---\nb: 2\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:2:1: error: invalid YAML: a spec file holds one document")


def test_empty_and_comment_only_files_hold_nothing() -> None:
    for text in ("", "# only a comment\n", "---\n"):
        doc = parse_yaml(text, "f.yaml")
        assert doc.ok and doc.data is None


def test_custom_tags_are_refused_at_their_place() -> None:
    doc = parse_yaml("a: !secret xyz\nb: !!python/object:os.system {}\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:1:4: error: unsupported YAML tag !secret")
    assert has(doc.diagnostics, "f.yaml:2:4: error: unsupported YAML tag")


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    doc = parse_yaml("a: &x [1, *x]\n", "f.yaml")
    assert has(doc.diagnostics, "error: an alias refers to a node that contains it")


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    doc = parse_yaml("\n".join(lines) + "\n", "f.yaml")
    assert has(doc.diagnostics, f"expands to more than {MAX_NODES} nodes")
    assert doc.data is None


def test_invalid_timestamp_is_an_error_not_an_exception() -> None:
    doc = parse_yaml("a: 2024-13-45\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:1:4: error: invalid timestamp value '2024-13-45'")


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    doc = read_yaml_file(path)
    assert len(doc.diagnostics) == 1
    assert doc.diagnostics[0].location is not None
    assert (doc.diagnostics[0].location.line, doc.diagnostics[0].location.col) == (2, 7)
    assert "not valid UTF-8" in doc.diagnostics[0].message


def test_byte_order_marks_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_yaml_file(path).data == {"a": 1}
    path.write_bytes("a: 2\n".encode("utf-16"))
    assert read_yaml_file(path).data == {"a": 2}


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    doc = read_yaml_file(tmp_path / "absent.yaml")
    assert has(doc.diagnostics, "error: spec file not found")


def test_non_scalar_key_is_an_error() -> None:
    doc = parse_yaml("? [a, b]\n: 1\nc: 2\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:1:3: error: a key must be a plain string")
    assert doc.data == {"c": 2}


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    doc = parse_yaml("[" * 5000 + "]" * 5000, "f.yaml")
    assert doc.diagnostics
    assert all(d.location is not None for d in doc.diagnostics)


def test_env_reference_in_a_flow_mapping_gets_a_hint() -> None:
    doc = parse_yaml("a: {b: ${env:X}}\n", "f.yaml")
    assert has(doc.diagnostics, "f.yaml:1:", 'quote a value holding ${env:...}: "${env:NAME}"')
    quoted = parse_yaml('a: {b: "${env:X}"}\n', "f.yaml")
    assert quoted.ok and quoted.data == {"a": {"b": "${env:X}"}}
