"""Limits on uploaded files: size (settings.UPLOAD_MAX_BYTES) and type, checked by content.

Use `UploadValidator()` in a model FileField's validators, or `UploadField` in a form, and wrap the
view in `limit_uploads` so a file over the limit is dropped while it arrives (never written to
memory or a temporary file) and the form says so at once. The type
is decided by the file's first bytes, not its name or the browser's content type, and must agree
with the extension. Uploaded files are never served from MEDIA_URL: download them through a
view that checks access (consent.policy) and writes an audit event (action "download").
"""

import functools
import os

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
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


def _looks_like_text(head: bytes, encodings=("utf-8",)) -> bool:
    if b"\x00" in head:
        return False
    for encoding in encodings:
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:
                return True  # a multi-byte character cut at the end of the sample
            continue
        return True
    return False


@deconstructible
class UploadValidator:
    def __init__(
        self, *, kinds=DEFAULT_KINDS, max_bytes: int | None = None, text_encodings=("utf-8",)
    ):
        self.kinds = tuple(kinds)
        self.max_bytes = max_bytes
        self.text_encodings = tuple(text_encodings)

    def __call__(self, file):
        limit = self.max_bytes or settings.UPLOAD_MAX_BYTES
        size = getattr(file, "size", None)
        if size is None or size > limit:
            raise ValidationError(too_large_message(limit), code="file_too_large")
        if size == 0:
            raise ValidationError("The selected file is empty", code="empty")
        name = os.path.basename(getattr(file, "name", "") or "")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        allowed = ", ".join(k.upper() for k in dict.fromkeys(self.kinds))
        if extension not in self.kinds:
            raise ValidationError(f"The selected file must be a {allowed}", code="file_type")
        head = _head(file)
        if extension in TEXT_TYPES:
            ok = _looks_like_text(head, self.text_encodings)
        else:
            ok = head.startswith(BINARY_SIGNATURES.get(extension, (b"\x00never",)))
        if not ok:
            raise ValidationError(
                f"The selected file is not a real {extension.upper()} file", code="file_content"
            )

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and (
            self.kinds,
            self.max_bytes,
            self.text_encodings,
        ) == (other.kinds, other.max_bytes, other.text_encodings)


class UploadField(forms.FileField):
    """A form file field with the size and type limits, and a safe stored name."""

    def __init__(self, *, kinds=DEFAULT_KINDS, max_bytes=None, text_encodings=("utf-8",), **kwargs):
        kwargs.setdefault(
            "error_messages", {"required": "Select a file", "empty": "The selected file is empty"}
        )
        super().__init__(**kwargs)
        self.validators.append(
            UploadValidator(kinds=kinds, max_bytes=max_bytes, text_encodings=text_encodings)
        )
        self.widget.attrs.setdefault("accept", ",".join(f".{k}" for k in kinds))

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        if cleaned and getattr(cleaned, "name", None):
            cleaned.name = get_valid_filename(os.path.basename(cleaned.name))[:100]
        return cleaned


def too_large_message(limit: int) -> str:
    return f"The selected file must be smaller than {limit // (1024 * 1024) or 1} MB"


class LimitedUploadHandler(FileUploadHandler):
    """First in the chain: skips (drops) any file whose bytes pass the limit as they arrive, and says
    so in `refused` (the field names), so the view can show the size error instead of "Select a file"."""

    def __init__(self, request=None, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused: list[str] = []

    def receive_data_chunk(self, raw_data, start):
        limit = self.max_bytes or settings.UPLOAD_MAX_BYTES
        if start + len(raw_data) > limit:
            self.refused.append(self.field_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers build the file


def limit_uploads(view=None, *, max_bytes: int | None = None):
    """View decorator: install LimitedUploadHandler before the body is read. Upload handlers can only be
    changed before CSRF checking reads request.POST, hence csrf_exempt outside and csrf_protect inside
    (the pattern in Django's documentation). The handler is request.upload_limiter; use
    `upload_refused(form, request)` after binding the form."""
    from django.views.decorators.csrf import csrf_exempt, csrf_protect

    def decorate(func):
        protected = csrf_protect(func)

        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            handler = LimitedUploadHandler(request, max_bytes=max_bytes)
            request.upload_handlers.insert(0, handler)
            request.upload_limiter = handler
            return protected(request, *args, **kwargs)

        return csrf_exempt(wrapper)

    return decorate(view) if view is not None else decorate


def upload_refused(form, request) -> bool:
    """Put the size error on each file field the limiter dropped (replacing "Select a file")."""
    handler = getattr(request, "upload_limiter", None)
    if not handler or not handler.refused:
        return False
    limit = handler.max_bytes or settings.UPLOAD_MAX_BYTES
    for name in dict.fromkeys(handler.refused):
        if name in form.fields:
            form.errors[name] = form.error_class([too_large_message(limit)])
            if hasattr(form, "cleaned_data"):
                form.cleaned_data.pop(name, None)
    return True
