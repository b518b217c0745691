from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .helpers import at_line, chat, found, write_lines

URL = "https://raw.githubusercontent.com/MicrosoftDocs/azure-ai-docs/main/generated-seattle.png"


def data_uri(fmt: str = "PNG", mode: str = "RGB", media: str | None = None, size: int = 8) -> str:
    buffer = io.BytesIO()
    Image.new(mode, (size, size), color=0).save(buffer, format=fmt)
    kind = media or f"image/{fmt.lower()}"
    return f"data:{kind};base64," + base64.b64encode(buffer.getvalue()).decode()


def vision(*urls: str, role: str = "user") -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": "What's in this image?"}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    if role == "assistant":
        return {
            "messages": [
                {"role": "user", "content": "Draw me something"},
                {"role": "assistant", "content": parts},
            ]
        }
    return {
        "messages": [{"role": role, "content": parts}, {"role": "assistant", "content": "A city."}]
    }


def check(tmp_path: Path, inspect: Any, example: Any, **options: Any) -> list[str]:
    lines = [example] + [chat(i) for i in range(11)]
    report = inspect(write_lines(tmp_path / "v.jsonl", lines), **options)
    return at_line(report, 1)


@pytest.mark.parametrize(
    "url",
    [URL, data_uri("PNG"), data_uri("JPEG"), data_uri("WEBP"), data_uri("PNG", "RGBA")],
    ids=["https", "png", "jpeg", "webp", "rgba"],
)
def test_supported_images(tmp_path: Path, inspect: Any, url: str) -> None:
    assert check(tmp_path, inspect, vision(url), allow_images=True) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://example.com/a.png", "an image must be an https URL or a base64 data URI"),
        ("ftp://example.com/a.png", "an image must be an https URL or a base64 data URI"),
        (
            data_uri("GIF", "P", media="image/gif"),
            "image/gif is not supported; use JPEG, PNG or WEBP",
        ),
        (
            data_uri("GIF", "P", media="image/png"),
            "cannot read the image: not a JPEG, PNG or WEBP image",
        ),
        (data_uri("PNG", "L"), "image mode is L; convert it to RGB or RGBA"),
        (data_uri("PNG", "P"), "image mode is P; convert it to RGB or RGBA"),
        ("data:image/png;base64,@@notbase64@@", "invalid base64 data"),
        ("data:image/png,rawbytes", "a data URI image must be base64"),
        (
            "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 40).decode(),
            "cannot read the image",
        ),
    ],
)
def test_broken_images(tmp_path: Path, inspect: Any, url: str, problem: str) -> None:
    problems = check(tmp_path, inspect, vision(url), allow_images=True)
    assert len(problems) == 1 and problem in problems[0], problems
    assert problems[0].startswith("messages[0].content[1].image_url.url: ")


def test_an_image_over_10_mb(tmp_path: Path, inspect: Any) -> None:
    payload = base64.b64encode(b"\0" * (10 * 1024 * 1024 + 10)).decode()
    problems = check(
        tmp_path, inspect, vision("data:image/png;base64," + payload), allow_images=True
    )
    assert problems == [
        "messages[0].content[1].image_url.url: image is 10.0 MB; at most 10 MB allowed"
    ]


def test_declared_type_differs_from_the_bytes(tmp_path: Path, inspect: Any) -> None:
    lines = [vision(data_uri("JPEG", media="image/png"))] + [chat(i) for i in range(11)]
    report = inspect(write_lines(tmp_path / "v.jsonl", lines), allow_images=True)
    assert found(report)[0] == (
        "warning",
        1,
        "messages[0].content[1].image_url.url: the data URI says image/png but the image is JPEG",
    )


def test_images_need_a_vision_model(tmp_path: Path, inspect: Any) -> None:
    problems = check(tmp_path, inspect, vision(URL))
    assert problems == [
        "messages[0].content[1]: the base model does not take images; use a model with vision "
        "fine-tuning (e.g. gpt-4o-2024-08-06) or remove the image"
    ]


def test_no_images_from_the_assistant_or_the_system(tmp_path: Path, inspect: Any) -> None:
    assert check(tmp_path, inspect, vision(URL, role="assistant"), allow_images=True) == [
        "messages[1].content[1]: images are not allowed in assistant messages"
    ]
    assert check(tmp_path, inspect, vision(URL, role="system"), allow_images=True) == [
        "messages[0].content[1]: images are only allowed in user messages, not system"
    ]


def test_at_most_64_images_per_example(tmp_path: Path, inspect: Any) -> None:
    assert check(tmp_path, inspect, vision(*[URL] * 64), allow_images=True) == []
    assert check(tmp_path, inspect, vision(*[URL] * 65), allow_images=True) == [
        "65 images in one example; at most 64 allowed"
    ]


def test_detail_values(tmp_path: Path, inspect: Any) -> None:
    example = vision(URL)
    example["messages"][0]["content"][1]["image_url"]["detail"] = "ultra"
    assert check(tmp_path, inspect, example, allow_images=True) == [
        "messages[0].content[1].image_url.detail: use one of low, high, auto"
    ]
