"""Stored files on their way out: a download streams from the storage the file is in.

Every file goes through the "default" storage (settings.STORAGES, STORAGE_URL): the local disk or
object storage (S3 API). Downloads are never redirects to the bucket: the view checks access and
writes the audit event, then `download_response` streams the bytes from storage through the app,
chunk by chunk, without keeping the whole object in memory or on the pod's disk.
"""

from django.http import FileResponse
from storages.utils import clean_name


class _ObjectStream:
    """A read-only file-like over an S3 object's body (botocore StreamingBody)."""

    def __init__(self, body, size: int | None):
        self._body = body
        self.size = size

    def read(self, size: int = -1) -> bytes:
        return self._body.read(size if size and size > 0 else None)

    def close(self) -> None:
        self._body.close()


def is_object_storage(storage) -> bool:
    return hasattr(storage, "bucket") and hasattr(storage, "_normalize_name")


def open_stored(field_file):
    """A file-like for reading `field_file` (a FieldFile) from its storage, streamed."""
    storage = field_file.storage
    if is_object_storage(storage):
        name = storage._normalize_name(clean_name(field_file.name))
        answer = storage.bucket.Object(name).get()
        return _ObjectStream(answer["Body"], answer.get("ContentLength"))
    return field_file.open("rb")


def download_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    stream = open_stored(field_file)
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=content_type
    )
    size = getattr(stream, "size", None)
    if isinstance(stream, _ObjectStream) and size is not None:
        response["Content-Length"] = str(size)
    return response
