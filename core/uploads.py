"""Limits on uploaded files: size (settings.UPLOAD_MAX_BYTES) and type, checked by content.

Use `UploadValidator()` in a model FileField's validators, or `UploadField` in a form. The type
is decided by the file's first bytes, not its name or the browser's content type, and must agree
with the extension. Uploaded files are never served from MEDIA_URL: download them through a
view that checks access (consent.policy) and writes an audit event (action "download").
"""

import os

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename

BINARY_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
}
TEXT_TYPES = {"csv", "txt"}
DEFAULT_KINDS = ("pdf", "png", "jpg", "jpeg", "docx", "odt", "csv", "txt")


def _head(file, size=8192) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(size)
    file.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte character cut at the end of the sample
    return True


@deconstructible
class UploadValidator:
    def __init__(self, *, kinds=DEFAULT_KINDS, max_bytes: int | None = None):
        self.kinds = tuple(kinds)
        self.max_bytes = max_bytes

    def __call__(self, file):
        limit = self.max_bytes or settings.UPLOAD_MAX_BYTES
        size = getattr(file, "size", None)
        if size is None or size > limit:
            raise ValidationError(
                f"The selected file must be smaller than {limit // (1024 * 1024) or 1} MB",
                code="file_too_large",
            )
        if size == 0:
            raise ValidationError("The selected file is empty", code="empty")
        name = os.path.basename(getattr(file, "name", "") or "")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        allowed = ", ".join(k.upper() for k in dict.fromkeys(self.kinds))
        if extension not in self.kinds:
            raise ValidationError(f"The selected file must be a {allowed}", code="file_type")
        head = _head(file)
        if extension in TEXT_TYPES:
            ok = _looks_like_text(head)
        else:
            ok = head.startswith(BINARY_SIGNATURES.get(extension, (b"\x00never",)))
        if not ok:
            raise ValidationError(
                f"The selected file is not a real {extension.upper()} file", code="file_content"
            )

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and (self.kinds, self.max_bytes) == (
            other.kinds,
            other.max_bytes,
        )


class UploadField(forms.FileField):
    """A form file field with the size and type limits, and a safe stored name."""

    def __init__(self, *, kinds=DEFAULT_KINDS, max_bytes=None, **kwargs):
        kwargs.setdefault(
            "error_messages", {"required": "Select a file", "empty": "The selected file is empty"}
        )
        super().__init__(**kwargs)
        self.validators.append(UploadValidator(kinds=kinds, max_bytes=max_bytes))
        self.widget.attrs.setdefault("accept", ",".join(f".{k}" for k in kinds))

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        if cleaned and getattr(cleaned, "name", None):
            cleaned.name = get_valid_filename(os.path.basename(cleaned.name))[:100]
        return cleaned
