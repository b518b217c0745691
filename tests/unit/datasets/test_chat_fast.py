"""The fast path for plain chat lines gives exactly what the general path gives, or steps aside.

For every line it takes, the recipe (texts, tags, constants), the system texts and the example
digest must equal those of the stdlib's ``json`` + ``check_chat`` + ``example_digest``, and the
general path must find no problem in it; anything it refuses the general path checks as before.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.confined import RootedPath
from reconciler.datasets.chat import check_chat
from reconciler.datasets.chat_fast import FastChat, line_digest
from reconciler.datasets.digest import example_digest
from reconciler.datasets.images import ImageChecker
from reconciler.datasets.messages import ROLES, LineChecker, Recipe
from reconciler.datasets.problems import ProblemCollector
from reconciler.datasets.scan import ScanOptions, scan
from reconciler.datasets.text_memo import MEMO_TEXT_LIMIT, TextMemo

ROLE_TOKENS = {role: index + 1 for index, role in enumerate(ROLES)}

# Texts that stress the canonical JSON: quotes, backslashes, control characters, DEL,
# non-ASCII, astral characters (surrogate pairs in JSON), lone surrogates (from \ud800 escapes).
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", '"quoted"', "back\\slash", "tab\tnew\nline\r", "\x00\x1f\x7f", "naïve 日本 🤗"]
    ),
    st.sampled_from(["\ud800", "a\udfffb", "\U0010ffff"]),
)
parts = st.lists(
    st.one_of(
        st.builds(lambda t: {"type": "text", "text": t}, texts),
        st.just({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}),
        st.builds(lambda t: {"type": "text", "text": t, "extra": 1}, texts),
        st.just({"type": "text", "text": 5}),
    ),
    max_size=3,
)
contents = st.one_of(texts, parts, st.none(), st.integers())
extras = st.one_of(
    st.just({}),
    st.builds(lambda w: {"weight": w}, st.sampled_from([0, 1, 2, 0.0, 1.0, True, "1"])),
    st.builds(lambda n: {"name": n}, st.one_of(texts, st.integers())),
    st.just({"weight": 1, "name": "bob"}),
    st.just({"tool_calls": []}),
)
messages = st.builds(
    lambda role, content, extra: {"role": role, "content": content, **extra},
    st.sampled_from([*ROLES, "assitant", 3]),
    contents,
    extras,
)
examples = st.one_of(
    st.builds(lambda m: {"messages": m}, st.lists(messages, max_size=5)),
    st.builds(lambda m: {"messages": m, "tools": []}, st.lists(messages, max_size=3)),
    st.just({"messages": "hello"}),
)

# Examples without any problem, of every shape the fast path means to take.
plain_content = st.one_of(
    texts, st.lists(st.builds(lambda t: {"type": "text", "text": t}, texts), min_size=1, max_size=3)
)
plain_messages = st.one_of(
    st.builds(lambda c: {"role": "system", "content": c}, plain_content),
    st.builds(
        lambda role, c, extra: {"role": role, "content": c, **extra},
        st.sampled_from(["user", "tool", "assistant"]),
        plain_content,
        st.one_of(st.just({}), st.builds(lambda n: {"name": n}, texts)),
    ),
    st.builds(
        lambda c, w: {"content": c, "weight": w, "role": "assistant"},
        plain_content,
        st.sampled_from([0, 1]),
    ),
)
plain_examples = st.builds(
    lambda m, last: {"messages": [*m, last]},
    st.lists(plain_messages, max_size=5),
    st.builds(lambda c: {"role": "assistant", "content": c}, plain_content),
)


def _count(texts: Any) -> list[int]:
    """A stand-in tokenizer: what is compared is where each count goes, not its value."""
    return [len(text) + 100 for text in texts]


def _general(
    example: dict[str, Any], memo: dict[str, int]
) -> tuple[Recipe | None, list[str], ProblemCollector]:
    problems = ProblemCollector()
    checker = LineChecker(
        problems,
        ImageChecker(),
        allow_images=True,
        role_tokens=ROLE_TOKENS,
        memo=TextMemo(_count, memo),
    )
    checker.start(7)
    recipe = check_chat(example, checker)
    return recipe, checker.system_texts, problems


def _fields(recipe: Recipe) -> tuple[Any, ...]:
    return (
        recipe.line,
        recipe.consts,
        recipe.trained_const,
        recipe.texts,
        recipe.tags,
    )


def _line(example: dict[str, Any], ascii: bool = True) -> bytes:
    """The example as a JSONL line (non-ASCII as \\u escapes, or as UTF-8)."""
    return json.dumps(example, ensure_ascii=ascii).encode("utf-8")


def _lone_surrogate(example: dict[str, Any]) -> bool:
    try:
        json.dumps(example, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _agree(example: dict[str, Any], memo: dict[str, int], ascii: bool = True) -> bool:
    """Whether the fast path took the example's line (asserting it agrees with the general
    path, which reads the line with the stdlib's ``json``)."""
    line = _line(example, ascii)
    fast = FastChat(ROLE_TOKENS, TextMemo(_count, memo)).check(line, 7)
    recipe, systems, problems = _general(json.loads(line), memo)
    if fast is None:
        return False
    fast_recipe, digest, fast_systems = fast
    assert recipe is not None
    assert problems.error_count == 0 and problems.warning_count == 0
    assert _fields(fast_recipe) == _fields(recipe)
    assert fast_systems == systems
    assert digest == example_digest(json.loads(line))
    return True


@settings(max_examples=600, deadline=None)
@given(examples, st.sampled_from([{}, {"Be brief.": 3, "": 9}]))
def test_whatever_it_takes_it_takes_as_the_general_path_does(
    example: dict[str, Any], memo: dict[str, int]
) -> None:
    _agree(example, memo)


@settings(max_examples=300, deadline=None)
@given(plain_examples, st.sampled_from([{}, {"Be brief.": 3, "": 9}]))
def test_it_takes_every_plain_example(example: dict[str, Any], memo: dict[str, int]) -> None:
    # A lone surrogate (a \\ud800 escape) is not Unicode text: msgspec refuses the line, the
    # general path takes it (see test_a_scan_is_the_same_without_the_fast_path).
    assert _agree(example, memo) == (not _lone_surrogate(example))
    if not _lone_surrogate(example):
        assert _agree(example, memo, ascii=False)


def _chat(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"messages": list(messages)}


def test_it_takes_the_common_shapes() -> None:
    system = {"role": "system", "content": "Be brief."}
    user = {"role": "user", "content": 'Hi "you" \\ naïve 日本 🤗\n'}
    reply = {"role": "assistant", "content": "Hello."}
    taken = [
        _chat(system, user, reply),
        _chat(user, reply),
        _chat(system, user, {**reply, "weight": 0}, user, {**reply, "weight": 1}),
        _chat({**user, "name": "carol_92"}, reply),
        _chat(
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"text": "b", "type": "text"}],
            },
            reply,
        ),
        _chat({"role": "system", "content": ""}, user, reply),
        _chat({"role": "system", "content": "x" * (MEMO_TEXT_LIMIT + 1)}, user, reply),
    ]
    for example in taken:
        assert _agree(example, {"Be brief.": 3})
        assert _agree(example, {}, ascii=False)


def test_a_key_given_twice_counts_once_its_last_value_as_in_the_stdlib() -> None:
    line = b'{"messages": [{"role": "user", "content": "a", "role": "assistant"}]}'
    fast = FastChat(ROLE_TOKENS, TextMemo(_count)).check(line, 7)
    recipe, _, problems = _general(json.loads(line), {})
    assert fast is not None and recipe is not None and problems.error_count == 0
    assert _fields(fast[0]) == _fields(recipe)
    assert fast[1] == example_digest(json.loads(line))


def test_it_steps_aside_for_anything_the_general_path_must_say_something_about() -> None:
    user = {"role": "user", "content": "Hi"}
    reply = {"role": "assistant", "content": "Hello."}
    refused = [
        _chat(user),  # no reply
        _chat(reply, user),  # does not end with the reply
        _chat({**reply, "weight": 0}),  # nothing trains
        _chat(user, {**reply, "weight": 1.0}),  # a float weight: the general path takes it
        _chat({"role": "system", "content": "S", "name": "n"}, user, reply),
        _chat({"role": "user", "content": [{"type": "image_url", "image_url": {}}]}, reply),
        _chat({"role": "user", "content": []}, reply),
        _chat({"role": "tool", "content": "x", "tool_call_id": "1"}, reply),
        {"messages": [user, reply], "tools": []},
        {"messages": []},
        _chat(user, {"role": "assistant", "content": "\ud800 lone surrogate"}),
        _chat({**user, "name": None}, reply),  # null: the general path says it is not a name
        _chat(user, {**reply, "weight": True}),
    ]
    for example in refused:
        assert FastChat(ROLE_TOKENS, TextMemo(_count)).check(_line(example), 1) is None, example
    for line in (b'{"messages": [NaN]}', b"[1]", b"{", b'{"messages": [{"role": "\xff"}]}'):
        assert FastChat(ROLE_TOKENS, TextMemo(_count)).check(line, 1) is None


def test_a_scan_is_the_same_without_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    lines: list[str] = []
    odd: list[Any] = [
        _chat(
            {"role": "user", "content": "Hi", "name": "bob"}, {"role": "assistant", "content": "Yo"}
        ),
        _chat(
            {"role": "user", "content": [{"type": "text", "text": "a"}]},
            {"role": "assistant", "content": "b"},
        ),
        _chat({"role": "user", "content": "no reply"}),
        _chat({"role": "user", "content": "x", "colour": 1}, {"role": "assistant", "content": "y"}),
        _chat(
            {"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 1.0}
        ),
        {
            "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
            "tools": 3,
        },
    ]
    for index in range(400):
        example = odd[index // 50 % len(odd)] if index % 50 == 7 else None
        if example is None:
            system = rng.choice(["Be brief.", "Sois bref. 🤗", ""])
            messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
            for turn in range(rng.randint(1, 3)):
                messages.append({"role": "user", "content": f"Question {index}.{turn} naïve"})
                reply: dict[str, Any] = {"role": "assistant", "content": f"Answer {index}"}
                if rng.random() < 0.3:
                    reply["weight"] = rng.choice([0, 1])
                messages.append(reply)
            example = {"messages": messages}
        lines.append(json.dumps(example, ensure_ascii=rng.random() < 0.5))
    lines += lines[:7]  # duplicates
    lines += [  # what msgspec refuses or reads its own way: the general path has the last word
        '{"messages":[{"role":"user","content":"\\ud800"},{"role":"assistant","content":"x"}]}',
        '{"messages":[{"role":"user","content":"a","role":"assistant"}]}',
        '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b",'
        '"weight":1e999}]}',
        '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b",'
        '"weight":123456789012345678901234567890}]}',
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = ScanOptions(
        format=None, encoding="o200k_base", max_example_tokens=100, allow_images=False, workers=1
    )
    fast = scan(RootedPath(path, tmp_path), "d.jsonl", options, tmp_path / "tk")
    monkeypatch.setattr(FastChat, "check", lambda self, example, line: None)
    general = scan(RootedPath(path, tmp_path), "d.jsonl", options, tmp_path / "tk")
    assert fast == general
    assert fast.stats.examples > 350 and fast.warning_count >= 7


@settings(max_examples=300, deadline=None)
@given(st.one_of(examples, plain_examples), st.booleans())
def test_a_line_read_back_has_the_digest_of_its_value(example: dict[str, Any], ascii: bool) -> None:
    if not ascii and _lone_surrogate(example):
        ascii = True  # not UTF-8 text otherwise
    line = _line(example, ascii)
    assert line_digest(line, ProblemCollector()) == example_digest(json.loads(line))


def test_a_line_that_is_no_object_has_no_digest() -> None:
    for line in (b"[1, 2]", b"{", b'{"a": NaN}', b'"text"'):
        problems = ProblemCollector()
        assert line_digest(line, problems) is None
        assert problems.error_count == 1
