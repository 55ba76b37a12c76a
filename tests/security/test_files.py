"""Uploads have size and type limits; files are never served from MEDIA_URL."""

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.uploads import UploadField, UploadValidator

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _file(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("letter.pdf", PDF),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("cv.docx", b"PK\x03\x04" + b"\x00" * 20),
        ("people.csv", "first_name,last_name\nJo,Bloggs\nZoë,Ōkubo\n".encode()),
    ],
)
def test_allowed_files_pass(name, content):
    UploadValidator()(_file(name, content))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("program.exe", b"MZ\x90\x00", "file_type"),
        ("no-extension", PDF, "file_type"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "file_content"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "file_content"),
        ("binary.csv", b"a,b\n\x00\x01\x02", "file_content"),
        ("latin1.csv", b"name\n\xe9\xe9\xe9 caf\xe9 and more text after it", "file_content"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_wrong_type_or_content_is_refused(name, content, code):
    with pytest.raises(ValidationError) as exc:
        UploadValidator()(_file(name, content))
    assert exc.value.code == code


def test_files_over_the_size_limit_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    UploadValidator()(_file("ok.pdf", PDF + b" " * (1024 - len(PDF))))
    with pytest.raises(ValidationError) as exc:
        UploadValidator()(_file("big.pdf", PDF + b" " * 1024))
    assert exc.value.code == "file_too_large"


def test_the_default_limit_comes_from_settings():
    assert settings.UPLOAD_MAX_BYTES == 5 * 1024 * 1024  # a real scan is well under (issue 16)
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024


def test_validator_restricted_to_some_kinds():
    with pytest.raises(ValidationError):
        UploadValidator(kinds=("csv",))(_file("letter.pdf", PDF))


class _UploadForm(forms.Form):
    document = UploadField(kinds=("pdf",))


def test_upload_field_cleans_the_name_and_applies_the_limits():
    form = _UploadForm(files={"document": _file("../../etc/pass wd.pdf", PDF)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["document"].name == "pass_wd.pdf"
    form = _UploadForm(files={"document": _file("x.pdf", b"GIF89a")})
    assert not form.is_valid()
    assert "not a real PDF" in form.errors["document"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", [settings.MEDIA_URL, "/media/", "/uploads/"])
def test_media_files_are_not_served_by_url(prefix, client_for, caseworker_a):
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    target = settings.MEDIA_ROOT / "secret-letter.pdf"
    target.write_bytes(PDF)
    try:
        for client in (client_for(caseworker_a), Client()):
            response = client.get(f"{prefix}secret-letter.pdf")
            assert response.status_code in (302, 404)
            assert b"%PDF" not in b"".join(
                getattr(response, "streaming_content", [response.content])
            )
    finally:
        target.unlink()


def test_media_root_is_outside_the_static_files():
    static_dirs = [str(d) for d in settings.STATICFILES_DIRS] + [str(settings.STATIC_ROOT)]
    assert not any(str(settings.MEDIA_ROOT).startswith(d) for d in static_dirs)
    assert settings.MEDIA_URL != settings.STATIC_URL
