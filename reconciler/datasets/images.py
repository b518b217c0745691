"""Checks of one ``image_url`` part: an https URL, or a data URI holding a usable image.

Rules from Azure's vision fine-tuning docs: JPEG, PNG or WEBP; at most 10 MB; mode RGB or
RGBA. Images behind https URLs cannot be checked offline (the service fetches them).
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from urllib.parse import urlsplit

from reconciler.azure_limits import MAX_IMAGE_BYTES, size_text
from reconciler.datasets.jsonline import json_type
from reconciler.errors import Severity
from reconciler.quoting import quote

_AT_MOST = f"at most {size_text(MAX_IMAGE_BYTES)} allowed"
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MEDIA_TYPES = {"image/jpeg", "image/jpg", "image/png", "image/webp"}
MODES = ("RGB", "RGBA")
DETAILS = ("low", "high", "auto")

ImageProblem = tuple[Severity, str]


class ImageChecker:
    """Checks image parts; remembers whether any data URI went unchecked for lack of Pillow."""

    def __init__(self) -> None:
        self.unchecked_for_lack_of_pillow = 0

    def check(self, value: object, where: str) -> list[ImageProblem]:
        if not isinstance(value, dict):
            return [
                (
                    Severity.ERROR,
                    f"{where}: must be an object with a url, not {json_type(value)}",
                )
            ]
        problems: list[ImageProblem] = []
        detail = value.get("detail")
        if detail is not None and detail not in DETAILS:
            problems.append((Severity.ERROR, f"{where}.detail: use one of {', '.join(DETAILS)}"))
        url = value.get("url")
        if not isinstance(url, str):
            problems.append(
                (Severity.ERROR, f"{where}.url: must be a string, not {json_type(url)}")
            )
        elif url[:5].lower() == "data:":
            problems.extend(self._data_uri(url, f"{where}.url"))
        else:
            problems.extend(_https_url(url, f"{where}.url"))
        return problems

    def _data_uri(self, url: str, where: str) -> list[ImageProblem]:
        header, comma, payload = url[5:].partition(",")
        params = header.split(";")
        media_type = params[0].strip().lower()
        if not comma or "base64" not in (p.strip().lower() for p in params[1:]):
            return [
                (
                    Severity.ERROR,
                    f"{where}: a data URI image must be base64 (data:image/png;base64,...)",
                )
            ]
        if media_type not in MEDIA_TYPES:
            shown = media_type or "no media type"
            return [(Severity.ERROR, f"{where}: {shown} is not supported; use JPEG, PNG or WEBP")]
        # Checked before decoding so that a huge payload is not decoded for nothing.
        if len(payload) // 4 * 3 > MAX_IMAGE_BYTES + 3:
            size = len(payload) // 4 * 3
            return [(Severity.ERROR, f"{where}: image is {_mb(size)}; {_AT_MOST}")]
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            return [(Severity.ERROR, f"{where}: invalid base64 data ({exc})")]
        if len(data) > MAX_IMAGE_BYTES:
            return [(Severity.ERROR, f"{where}: image is {_mb(len(data))}; {_AT_MOST}")]
        return self._pixels(data, media_type, where)

    def _pixels(self, data: bytes, media_type: str, where: str) -> list[ImageProblem]:
        try:
            from PIL import Image
        except ImportError:
            self.unchecked_for_lack_of_pillow += 1
            return []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                    kind, mode = image.format or "", image.mode
                    image.verify()
        except Exception as exc:  # Pillow raises many types for broken data; all mean "unusable"
            reason = str(exc) or type(exc).__name__
            if "cannot identify image file" in reason:
                reason = "not a JPEG, PNG or WEBP image"
            return [(Severity.ERROR, f"{where}: cannot read the image: {reason}")]
        problems: list[ImageProblem] = []
        if mode not in MODES:
            problems.append(
                (Severity.ERROR, f"{where}: image mode is {mode}; convert it to RGB or RGBA")
            )
        declared = "image/jpeg" if media_type == "image/jpg" else media_type
        actual = FORMATS.get(kind)
        if actual is not None and actual != declared:
            problems.append(
                (
                    Severity.WARNING,
                    f"{where}: the data URI says {media_type} but the image is {kind}",
                )
            )
        return problems


def _https_url(url: str, where: str) -> list[ImageProblem]:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return [(Severity.ERROR, f"{where}: not a valid URL ({exc})")]
    if parts.scheme.lower() != "https" or not parts.netloc:
        return [
            (
                Severity.ERROR,
                f"{where}: an image must be an https URL or a base64 data URI, "
                f"not {quote(url, 44)}",
            )
        ]
    return []


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
