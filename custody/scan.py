"""The weekly matching scan (new receptions matched against benefit records), uploaded as a CSV file.

Flow: upload (refused at once if too big, too many lines, not CSV text, wrong columns or already
imported; else the file is stored) -> a Celery task streams, checks and matches it chunk by chunk and
keeps the preview (scan_preview_run) -> the EBSA confirms -> a Celery task reconciles every row with
the claim closures: already recorded by the EBSA / new work item / no match (scan_import_run).
Only the file and the preview are kept before confirmation; custody.retention deletes them later.
A row key (identifiers, reception date, benefit) is unique per agency, so a row is never counted twice
and re-importing a file changes nothing. See templates/custody/scan_upload.html for the columns.
"""

import codecs
import csv
import datetime
import functools
import hashlib
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format

from agencies import acting as acting_module
from audit.models import Action
from audit.services import access_event_record
from casework.models import Person, SentenceEpisode
from casework.validators import normalise, validate_ni_number, validate_prison_number
from consent import policy
from core.errors import ApplicationError, Conflict
from custody import services
from custody.models import (
    Benefit,
    ClaimClosure,
    FoundBy,
    ScanImport,
    ScanItemState,
    ScanKind,
    ScanOutcome,
    ScanRow,
    ScanStatus,
)

COLUMNS = [
    "ni_number",
    "prison_number",
    "last_name",
    "date_of_birth",
    "reception_date",
    "benefit",
    "benefit_delivery_centre",
    "sex",
]
# A prison's reception list: who was received, when; benefits are not known to the prison.
RECEPTION_COLUMNS = [
    "ni_number",
    "prison_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "reception_date",
    "benefit",
]
COLUMNS_OF = {ScanKind.MATCHING_SCAN: COLUMNS, ScanKind.RECEPTION_LIST: RECEPTION_COLUMNS}
SEX_VALUES = {"m": "male", "male": "male", "f": "female", "female": "female"}
REQUIRED = ["last_name", "reception_date", "benefit"]
REQUIRED_OF = {
    ScanKind.MATCHING_SCAN: REQUIRED,
    ScanKind.RECEPTION_LIST: ["last_name", "reception_date"],
}
DATE_FORMATS = [
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y%m%d",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BENEFIT_ALIASES = {
    "uc": Benefit.UNIVERSAL_CREDIT,
    "hb": Benefit.HOUSING_BENEFIT,
    "is": Benefit.INCOME_SUPPORT,
    "jobseekers_allowance": Benefit.JSA,
    "jobseeker's_allowance": Benefit.JSA,
}
RECEPTION_TOLERANCE_DAYS = 14
CHUNK = 1000  # rows per transaction in the import (and per query on PostgreSQL)
MAX_ERRORS_KEPT = 1000
PREVIEW_ROWS = 100  # rows kept for the preview page
READ_BYTES = 64 * 1024
ENCODING_NOTE = (
    "The file was not saved as UTF-8, so it was read as Windows-1252 (the Excel default). "
    "Check that names with accents look right below."
)


SUMMARY_KEYS = (
    "new_work_item",
    "already_recorded",
    "on_worklist",
    "no_match",
    "already_imported",
    "not_imported",
)


def _outcome_counts(counts, note) -> dict:
    """What a preview or an import found, by outcome, with the file's encoding note."""
    return {**{key: counts.get(key, 0) for key in SUMMARY_KEYS}, "encoding_note": note}


def chunk_size() -> int:
    """Rows per matching query: CHUNK, or fewer where the database limits the parameters of one query
    (SQLite: 999). Each row may name two people and a date of birth, so four parameters a row plus
    some for the policy."""
    limit = connection.features.max_query_params
    return CHUNK if not limit else max(1, min(CHUNK, (limit - 100) // 4))


class FileRefused(ApplicationError):
    """The whole file is refused; nothing is saved."""


@dataclass
class Row:
    line: int
    ni: str = ""
    prison_number: str = ""
    last_name: str = ""
    first_name: str = ""
    date_of_birth: datetime.date | None = None
    reception_date: datetime.date | None = None
    benefit: str = ""
    bdc: str = ""
    sex: str = ""
    basis: str = ""  # how the person was matched, e.g. "NI number, surname and date of birth"
    key: str = ""
    errors: list[str] = field(default_factory=list)
    person_id: int | None = None
    episode: tuple | None = None  # (establishment_id, reception_date)
    outcome: str = ""
    note: str = ""


@dataclass
class ParsedFile:
    rows: list[Row]
    encoding: str
    encoding_note: str


def _valid_as(fileobj, encoding: str) -> bool:
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := fileobj.read(READ_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(fileobj) -> tuple[str, str]:
    """(encoding, note) of a binary file object, read in chunks (never the whole file at once)."""
    fileobj.seek(0)
    if b"\x00" in fileobj.read(65536):
        raise FileRefused(
            "The selected file is not a CSV text file. Export the scan from your spreadsheet as CSV.",
            field="file",
        )
    if _valid_as(fileobj, "utf-8"):
        return "utf-8", ""
    if _valid_as(fileobj, "cp1252"):
        return "cp1252", ENCODING_NOTE
    raise FileRefused(
        "The file's text encoding was not recognised (it is neither UTF-8 nor Windows-1252). "
        "Save it from your spreadsheet as 'CSV UTF-8' and upload it again.",
        field="file",
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str) -> datetime.date | None:
    value = " ".join(value.split())
    if _ISO_DATE.fullmatch(value):  # the usual case, without trying every format
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    return None


@functools.cache
def _benefit_names() -> dict[str, str]:
    """Every spelling accepted for a benefit (value, alias or label), built once."""
    by_label = {
        "_".join(label.lower().replace("'", "'").split()): v for v, label in Benefit.choices
    }
    return {**by_label, **BENEFIT_ALIASES, **{v: v for v in Benefit.values}}


def _benefit(value: str) -> str:
    key = "_".join(value.strip().lower().replace("-", " ").split())
    return _benefit_names().get(key, "")


def _header(cells: list[str], kind: str = ScanKind.MATCHING_SCAN) -> list[str]:
    columns = COLUMNS_OF[kind]
    names = ["_".join(c.strip().lstrip("\ufeff").lower().replace("-", " ").split()) for c in cells]
    missing = [c for c in REQUIRED_OF[kind] if c not in names]
    if "ni_number" not in names and "prison_number" not in names and "date_of_birth" not in names:
        missing.append("ni_number, prison_number or date_of_birth")
    unknown = [n or "(blank)" for n in names if n not in columns]
    repeated = sorted({n for n in names if names.count(n) > 1 and n})
    if missing or unknown or repeated:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unknown:
            parts.append(f"not recognised {', '.join(unknown[:5])}")
        if repeated:
            parts.append(f"repeated {', '.join(repeated)}")
        raise FileRefused(
            f"The file's columns are wrong ({'; '.join(parts)}). The first row must name the columns: "
            f"{', '.join(columns)}.",
            field="file",
        )
    return names


def _check_row(
    row: Row,
    values: dict[str, str],
    today: datetime.date | None = None,
    kind: str = ScanKind.MATCHING_SCAN,
) -> None:
    today = today or policy.today()
    for column, raw in values.items():
        stripped = raw.strip()
        if stripped.startswith(FORMULA_PREFIXES) or raw.startswith(FORMULA_PREFIXES):
            row.errors.append(
                f"{column} starts with “{stripped[:1] or raw[:1]!s}”, which a spreadsheet would run as a "
                "formula: the row was not imported"
            )
    if row.errors:
        return
    row.ni, row.prison_number = (
        normalise(values.get("ni_number", "")),
        normalise(values.get("prison_number", "")),
    )
    row.last_name, row.first_name, row.bdc = (
        values.get("last_name", "").strip()[:100],
        values.get("first_name", "").strip()[:100],
        values.get("benefit_delivery_centre", "").strip()[:100],
    )
    for value, validator, label in (
        (row.ni, validate_ni_number, "ni_number"),
        (row.prison_number, validate_prison_number, "prison_number"),
    ):
        try:
            validator(value)
        except ValidationError as exc:
            row.errors.append(f"{label}: {exc.messages[0]}")
    if not row.ni and not row.prison_number and not values.get("date_of_birth", "").strip():
        row.errors.append(
            "Enter an NI number or a prison number, or the date of birth and sex to match on"
        )
    if not row.last_name:
        row.errors.append("Enter the last name")
    for name in ("reception_date", "date_of_birth"):
        raw = values.get(name, "").strip()
        if not raw:
            if name == "reception_date":
                row.errors.append("Enter the reception date")
            continue
        parsed = parse_date(raw)
        if parsed is None:
            row.errors.append(
                f"{name} “{raw[:20]}” is not a real date: use a date like 2027-03-31 or 31/03/2027"
            )
        elif parsed > today:
            row.errors.append(f"{name} is in the future")
        setattr(row, name, parsed)
    raw_sex = values.get("sex", "").strip()
    row.sex = SEX_VALUES.get(raw_sex.lower(), "")
    if raw_sex and not row.sex:
        row.errors.append(f"sex “{raw_sex[:10]}” is not one of M, F, male, female")
    row.benefit = _benefit(values.get("benefit", ""))
    optional = kind == ScanKind.RECEPTION_LIST and not values.get("benefit", "").strip()
    if not row.benefit and not optional:
        row.errors.append(
            f"benefit “{values.get('benefit', '')[:30]}” is not one of {', '.join(Benefit.values)}"
        )
    if not row.errors and not row.ni and not row.prison_number and not row.sex:
        row.errors.append("Without an NI number or a prison number, enter the sex to match on")
    if not row.errors:
        dob = row.date_of_birth.isoformat() if row.date_of_birth else ""
        who = (
            f"{row.ni}|{row.prison_number}"
            if row.ni or row.prison_number
            else f"{row.last_name.lower()}|{row.sex}|{dob}"
        )
        what = row.benefit if kind == ScanKind.MATCHING_SCAN else "reception"
        raw_key = f"{who}|{row.reception_date.isoformat()}|{what}"
        row.key = hashlib.sha256(raw_key.encode()).hexdigest()


def too_many_rows(limit: int) -> FileRefused:
    return FileRefused(
        f"The file has more than {limit:,} rows, the most one scan may have. Split it into smaller "
        "files and upload them one at a time.",
        field="file",
    )


def iter_rows(
    fileobj, encoding: str, *, max_rows: int | None = None, kind: str = ScanKind.MATCHING_SCAN
):
    """Yield the file's rows one by one, checked (a csv reader over the file: it is never read whole).
    FileRefused for file-level problems (columns, CSV syntax, no rows, more than max_rows rows)."""
    max_rows = settings.SCAN_MAX_ROWS if max_rows is None else max_rows
    fileobj = getattr(fileobj, "file", fileobj)  # the real file under Django's File wrappers
    fileobj.seek(0)
    text = io.TextIOWrapper(
        fileobj, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
    )
    reader = csv.reader(text)
    header, seen, count, today = None, {}, 0, policy.today()
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank line
            if header is None:
                header = _header(cells, kind)
                continue
            count += 1
            if count > max_rows:
                raise too_many_rows(max_rows)
            row = Row(line=reader.line_num)
            if len(cells) > len(header):
                row.errors.append(
                    f"The row has {len(cells)} cells but the header names {len(header)} columns"
                )
            else:
                _check_row(
                    row,
                    dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True)),
                    today,
                    kind,
                )
            if row.key:
                if row.key in seen:
                    row.errors.append(f"Duplicate of row {seen[row.key]}")
                    row.key = ""
                else:
                    seen[row.key] = row.line
            yield row
    except csv.Error as exc:
        raise FileRefused(
            f"The file could not be read as CSV (line {reader.line_num}: {exc}).", field="file"
        ) from None
    finally:
        text.detach()  # leave the caller's file open
    if header is None:
        raise FileRefused("The selected file is empty", field="file")
    if not count:
        raise FileRefused("The file has a header row but no data rows", field="file")


def parse(content: bytes, kind: str = ScanKind.MATCHING_SCAN) -> ParsedFile:
    """Check a whole file held in memory (small files and tests); uploads go through iter_rows."""
    if not content.strip():
        raise FileRefused("The selected file is empty", field="file")
    fileobj = io.BytesIO(content)
    encoding, note = sniff(fileobj)
    return ParsedFile(
        rows=list(iter_rows(fileobj, encoding, kind=kind)), encoding=encoding, encoding_note=note
    )


def _name_matches(row: Row, person: dict) -> bool:
    wanted = row.last_name.strip().lower()
    names = {person["last_name"].lower()} | {
        a.strip().lower() for a in person["aliases"].split(",") if a.strip()
    }
    return wanted in names or any(wanted in n.split() for n in names)


def _identified_basis(row: Row, person: dict, by_ni, by_number) -> str:
    """Set the basis of a match found by identifier, comparing the date of birth and sex the row
    gives with the record: what agrees is named, what differs is flagged for the EBSA to check (the
    identifier still decides the match). Returns a problem that stops the row, if any (none yet)."""
    ids = [label for label, found in (("NI number", by_ni), ("prison number", by_number)) if found]
    agree, differ = ["surname"], []
    if row.date_of_birth:
        (agree if person["date_of_birth"] == row.date_of_birth else differ).append("date of birth")
    if row.sex and person["sex"] in SEX_VALUES.values():
        (agree if person["sex"] == row.sex else differ).append("sex")
    row.basis = f"{' and '.join(ids)}; {', '.join(agree)} agree"
    if differ:
        row.basis += f"; {' and '.join(differ)} differ from our record: check"
    return ""


def _demographic_match(row: Row, candidates: list[dict]) -> tuple[dict | None, str]:
    """Nobody has the row's identifiers: match on surname, sex and date of birth, if exactly one
    person the agency may see has all three and no identifier that contradicts the row's."""
    if not (row.date_of_birth and row.sex):
        return None, ""
    found = [
        p
        for p in candidates
        if p["sex"] == row.sex
        and _name_matches(row, p)
        and not (
            row.ni and p["national_insurance_number"] and p["national_insurance_number"] != row.ni
        )
        and not (
            row.prison_number and p["prison_number"] and p["prison_number"] != row.prison_number
        )
    ]
    if len(found) > 1:
        return None, (
            f"{len(found)} people share this surname, sex and date of birth: add the NI number or "
            "the prison number"
        )
    if found:
        row.basis = "surname, sex and date of birth"
        return found[0], ""
    return None, ""


def match(
    rows: list[Row], *, user, pending: set | None = None, kind: str = ScanKind.MATCHING_SCAN
) -> None:
    """Find each valid row's person (NI or prison number, among people the EBSA's agency may see), their
    reception at one of the agency's establishments, and predict the reconciliation outcome. A few
    queries per chunk of rows (chunk_size(), so no query has more parameters than the database allows).
    `pending` carries the claim closures the file would create from one call to the next."""
    pending = set() if pending is None else pending
    valid = [r for r in rows if not r.errors]
    size = chunk_size()
    for start in range(0, len(valid), size):
        _match_chunk(valid[start : start + size], user=user, pending=pending, kind=kind)


def _match_chunk(valid: list[Row], *, user, pending: set, kind: str) -> None:
    nis = {r.ni for r in valid if r.ni}
    numbers = {r.prison_number for r in valid if r.prison_number}
    births = {r.date_of_birth for r in valid if r.date_of_birth and r.sex}
    people = (
        Person.objects.for_user(user)
        .filter(
            Q(national_insurance_number__in=nis)
            | Q(prison_number__in=numbers)
            | Q(date_of_birth__in=births)
        )
        .values(
            "id",
            "national_insurance_number",
            "prison_number",
            "last_name",
            "aliases",
            "sex",
            "date_of_birth",
        )
    )
    by_ni, by_number, by_id, by_birth = {}, {}, {}, {}
    for person in people:
        by_id[person["id"]] = person
        if person["national_insurance_number"]:
            by_ni[person["national_insurance_number"]] = person
        if person["prison_number"]:
            by_number[person["prison_number"]] = person
        if person["date_of_birth"] in births:
            by_birth.setdefault(person["date_of_birth"], []).append(person)
    episodes: dict[int, list[tuple]] = {}
    for pid, site_id, received in (
        []  # nobody known in this chunk: no need to look for receptions or closures
        if not by_id
        else SentenceEpisode.objects.for_user(user)
        .filter(
            person_id__in=by_id,
            establishment_id__in=services.surgery_sites(user.acting.agency_id),
            reception_date__isnull=False,
        )
        .values_list("person_id", "establishment_id", "reception_date")
    ):
        episodes.setdefault(pid, []).append((site_id, received))
    imported = set(
        ScanRow.objects.filter(
            agency_id=user.acting.agency_id, row_key__in=[r.key for r in valid]
        ).values_list("row_key", flat=True)
    )
    closures = (
        set(
            ClaimClosure.objects.for_user(user)
            .filter(person_id__in=by_id)
            .values_list("person_id", "reception_date")
        )
        if by_id
        else set()
    )
    for row in valid:
        if row.key in imported:
            row.outcome, row.note = (
                "already_imported",
                "Already imported from an earlier scan: skipped",
            )
            continue
        by_ni_person = by_ni.get(row.ni) if row.ni else None
        by_number_person = by_number.get(row.prison_number) if row.prison_number else None
        if by_ni_person and by_number_person and by_ni_person["id"] != by_number_person["id"]:
            row.errors.append("The NI number and the prison number belong to different people")
            continue
        person = by_ni_person or by_number_person
        if person is not None and not _name_matches(row, person):
            row.errors.append(
                "The last name does not match our record for this NI number or prison number"
            )
            continue
        if person is not None:
            problem = _identified_basis(row, person, by_ni_person, by_number_person)
        else:
            person, problem = _demographic_match(row, by_birth.get(row.date_of_birth, []))
        if problem:
            row.errors.append(problem)
            continue
        nearby = (
            [
                e
                for e in episodes.get(person["id"], [])
                if abs((e[1] - row.reception_date).days) <= RECEPTION_TOLERANCE_DAYS
            ]
            if person
            else []
        )
        if not nearby:
            row.outcome = ScanOutcome.NO_MATCH
            row.note = (
                "Unknown person: nobody with this NI number or prison number was received at your establishments"
                if person is None
                else "No reception at your establishments within two weeks of this date"
            )
            continue
        row.person_id = person["id"]
        row.episode = min(nearby, key=lambda e: abs((e[1] - row.reception_date).days))
        if (row.person_id, row.episode[1]) in closures or (
            row.person_id,
            row.episode[1],
        ) in pending:
            row.outcome, row.note = (
                ScanOutcome.ALREADY_RECORDED,
                "A claim closure is already recorded",
            )
        elif kind == ScanKind.RECEPTION_LIST:
            row.outcome, row.note = (
                ScanOutcome.ON_WORKLIST,
                "Received here and on the worklist until a claim closure is recorded",
            )
        else:
            row.outcome, row.note = ScanOutcome.NEW_WORK_ITEM, "New work item"
            pending.add((row.person_id, row.episode[1]))


def _problem(row: Row) -> dict:
    return {
        "line": row.line,
        "message": "; ".join(row.errors),
        "ni": row.ni,
        "prison_number": row.prison_number,
        "last_name": row.last_name,
    }


def _summary(rows: list[Row]) -> dict:
    counts = Counter(row.outcome if not row.errors else "not_imported" for row in rows)
    return {
        k: counts.get(k, 0)
        for k in (
            "new_work_item",
            "already_recorded",
            "no_match",
            "already_imported",
            "not_imported",
        )
    }


def _refuse_if_imported(agency_id, digest):
    earlier = ScanImport.objects.filter(
        agency_id=agency_id,
        sha256=digest,
        status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING, ScanStatus.DONE],
    ).first()
    if earlier:
        raise FileRefused(
            f"This file was already imported on {date_format(timezone.localtime(earlier.created_at), 'j F Y')} "
            f"(“{earlier.filename}”): nothing has been changed.",
            field="file",
        )


def _require_ebsa(user):
    acting = services.require_jobcentre(user, "scan.import")
    if not services.surgery_sites(acting.agency_id).exists():
        from core.errors import Forbidden

        raise Forbidden("Your Jobcentre does not run a benefit surgery.")
    return acting


def _digest_and_lines(upload) -> tuple[str, int]:
    """The file's SHA-256 and its number of lines, reading it in chunks."""
    digest, lines, last = hashlib.sha256(), 0, b""
    upload.seek(0)
    while chunk := upload.read(READ_BYTES):
        digest.update(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    if last and last != b"\n":
        lines += 1
    upload.seek(0)
    return digest.hexdigest(), lines


def _check_head(upload, kind: str) -> None:
    """Refuse at once what can be told without reading every row: not text, an unknown encoding, an
    empty file, wrong columns, no data rows. The rows themselves are checked in the worker."""
    encoding, _note = sniff(upload)
    rows = iter_rows(upload, encoding, kind=kind)
    try:
        next(rows)
    except StopIteration:  # pragma: no cover - iter_rows raises FileRefused when there are no rows
        raise FileRefused("The file has a header row but no data rows", field="file") from None
    finally:
        rows.close()
    upload.seek(0)


def _discard_files(scans) -> None:
    """Delete the stored uploads of these scans once the transaction commits."""
    names = [scan.upload.name for scan in scans if scan.upload]
    if not names:
        return
    storage = ScanImport._meta.get_field("upload").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def scan_upload(*, user, upload, kind: str = ScanKind.MATCHING_SCAN) -> ScanImport:
    """Keep an uploaded scan file and queue its check (scan_preview_run, in the worker). Refused at once,
    before anything is stored, when it is too big, not a CSV, has more than SCAN_MAX_ROWS lines or was
    already imported. Nothing but the file is kept until the EBSA confirms."""
    from core.dispatch import enqueue_on_commit
    from custody.tasks import scan_preview_run_task

    acting = _require_ebsa(user)
    if kind not in ScanKind.values:
        raise FileRefused("Select what the file is", field="kind")
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise FileRefused(
            f"The selected file must be smaller than {limit // (1024 * 1024) or 1} MB",
            field="file",
        )
    filename = upload.name or ""
    if not filename.lower().endswith((".csv", ".txt")):
        raise FileRefused("The selected file must be a CSV file", field="file")
    digest, lines = _digest_and_lines(upload)
    if lines - 1 > settings.SCAN_MAX_ROWS:
        raise too_many_rows(settings.SCAN_MAX_ROWS)
    _refuse_if_imported(acting.agency_id, digest)
    _check_head(upload, kind)
    earlier = list(
        ScanImport.objects.filter(
            agency_id=acting.agency_id,
            uploaded_by=user,
            status__in=[ScanStatus.PARSING, ScanStatus.PREVIEW],
        )
    )
    _discard_files(earlier)
    ScanImport.objects.filter(pk__in=[e.pk for e in earlier]).delete()
    scan = ScanImport(
        agency=acting.agency,
        uploaded_by=user,
        kind=kind,
        filename=filename[:255],
        sha256=digest,
        status=ScanStatus.PARSING,
        total_rows=max(lines - 1, 0),  # an estimate until the file is checked
    )
    scan.upload.save(f"{uuid.uuid4().hex}.csv", upload, save=False)
    try:
        scan.save()
    except Exception:
        scan.upload.storage.delete(scan.upload.name)
        raise
    enqueue_on_commit(scan_preview_run_task, scan.pk)
    return scan


def _preview_row(row: Row) -> dict:
    return {
        "line": row.line,
        "last_name": row.last_name,
        "first_name": row.first_name,
        "ni": row.ni,
        "prison_number": row.prison_number,
        "reception_date": row.reception_date.isoformat() if row.reception_date else "",
        "benefit": row.benefit,
        "basis": row.basis,
        "errors": row.errors,
        "note": row.note,
    }


def _fail(scan_id: int, message: str, *, drop_upload: bool = False) -> None:
    ScanImport.objects.filter(pk=scan_id).update(
        **({"upload": ""} if drop_upload else {}),
        status=ScanStatus.FAILED,
        finished_at=timezone.now(),
        errors=[{"line": 0, "message": message}],
    )


def scan_preview_run(*, scan_id: int) -> ScanImport | None:
    """Check and match a stored upload in the worker, chunk by chunk (progress visible between chunks),
    and keep the counts, the problems and the first PREVIEW_ROWS rows, so the preview page never
    parses the file again. Memory stays bounded: rows are discarded once counted. Safe to run twice."""
    scan = ScanImport.objects.filter(pk=scan_id, status=ScanStatus.PARSING).first()
    if scan is None:
        return ScanImport.objects.filter(pk=scan_id).first()
    user = scan.uploaded_by
    counts, problems, preview, pending = Counter(), [], [], set()
    processed = 0

    def take(batch: list[Row]) -> None:
        nonlocal processed
        match(batch, user=user, pending=pending, kind=scan.kind)
        for row in batch:
            counts[row.outcome if not row.errors else "not_imported"] += 1
            if row.errors and len(problems) < MAX_ERRORS_KEPT:
                problems.append(_problem(row))
            if len(preview) < PREVIEW_ROWS:
                preview.append(_preview_row(row))
        processed += len(batch)
        ScanImport.objects.filter(pk=scan.pk).update(
            processed_rows=processed, total_rows=max(scan.total_rows, processed)
        )

    try:
        acting_module.attach(user, scan.agency_id)
        with scan.upload.open("rb") as fileobj:
            encoding, note = sniff(fileobj)
            batch, size = [], chunk_size()
            for row in iter_rows(fileobj, encoding, kind=scan.kind):
                batch.append(row)
                if len(batch) >= size:
                    take(batch)
                    batch = []
            if batch:
                take(batch)
    except (LookupError, FileRefused, OSError) as exc:
        _discard_files([scan])
        _fail(
            scan.pk, getattr(exc, "message", None) or "The file could not be read", drop_upload=True
        )
        return ScanImport.objects.filter(pk=scan.pk).first()  # gone if a newer upload replaced it
    summary = _outcome_counts(counts, note)
    ScanImport.objects.filter(pk=scan.pk, status=ScanStatus.PARSING).update(
        status=ScanStatus.PREVIEW,
        encoding=encoding,
        total_rows=processed,
        processed_rows=0,
        counts=summary,
        errors=problems,
        preview=preview,
    )
    return ScanImport.objects.filter(pk=scan.pk).first()


def preview_rows(scan: ScanImport, *, limit: int = PREVIEW_ROWS) -> list:
    """The first rows of a preview with their predicted outcome, as kept by scan_preview_run."""
    rows = []
    for item in (scan.preview or [])[:limit]:
        date = item.get("reception_date") or ""
        rows.append(
            SimpleNamespace(
                **{**item, "reception_date": datetime.date.fromisoformat(date) if date else None}
            )
        )
    return rows


@transaction.atomic
def scan_confirm(*, user, scan: ScanImport) -> ScanImport:
    from core.dispatch import enqueue_on_commit
    from custody.tasks import scan_import_run_task

    acting = _require_ebsa(user)
    if scan.agency_id != acting.agency_id:
        from core.errors import NotFound

        raise NotFound("Scan not found")
    try:
        with transaction.atomic():
            moved = ScanImport.objects.filter(pk=scan.pk, status=ScanStatus.PREVIEW).update(
                status=ScanStatus.QUEUED, confirmed_at=timezone.now()
            )
    except IntegrityError:
        raise FileRefused(
            "This file has already been imported: nothing has been changed."
        ) from None
    if not moved:
        raise Conflict("This scan has already been confirmed.")
    access_event_record(
        user=user,
        action=Action.CREATE,
        obj=scan,
        detail={"scan": scan.pk, "rows": scan.total_rows, "filename": scan.filename},
    )
    enqueue_on_commit(scan_import_run_task, scan.pk)
    return ScanImport.objects.get(pk=scan.pk)


def _reconcile(row: Row, *, user, scan: ScanImport, closures: dict) -> ClaimClosure:
    key = (row.person_id, row.episode[1])
    closure = closures.get(key)
    if closure is None:
        closure = ClaimClosure.objects.create(
            person_id=row.person_id,
            agency_id=scan.agency_id,
            establishment_id=row.episode[0],
            reception_date=row.episode[1],
            benefits=[row.benefit],
            found_by=FoundBy.MATCHING_SCAN,
            national_insurance_number=row.ni,
            benefit_delivery_centre=row.bdc,
            identified_on=min(policy.today(), max(row.episode[1], scan.created_at.date())),
            created_by=user,
        )
        closure.person = Person.objects.get(pk=row.person_id)
        services._open_closure_gateway(closure)
        closures[key] = closure
        access_event_record(
            user=user,
            action=Action.CREATE,
            person=closure.person,
            obj=closure,
            detail={"source": "matching_scan", "scan": scan.pk, "line": row.line},
        )
        row.outcome = ScanOutcome.NEW_WORK_ITEM
        return closure
    changes = {}
    if row.benefit not in closure.benefits:
        changes["benefits"] = [b for b in Benefit.values if b in {*closure.benefits, row.benefit}]
    if closure.found_by == FoundBy.EBSA_CASEWORK:
        changes["found_by"] = FoundBy.BOTH
    if row.ni and not closure.national_insurance_number:
        changes["national_insurance_number"] = row.ni
    if changes:
        ClaimClosure.objects.filter(pk=closure.pk).update(
            version=F("version") + 1, updated_at=timezone.now(), **changes
        )
        for name, value in changes.items():
            setattr(closure, name, value)
        access_event_record(
            user=user,
            action=Action.CHANGE,
            person=closure.person,
            obj=closure,
            detail={"source": "matching_scan", "scan": scan.pk, "fields": sorted(changes)},
        )
    row.outcome = ScanOutcome.ALREADY_RECORDED
    return closure


def _import_chunk(
    rows: list[Row], *, user, scan: ScanImport, counts: Counter, problems: list
) -> None:
    match(rows, user=user, kind=scan.kind)
    person_ids = {r.person_id for r in rows if r.person_id}
    closures = {
        (c.person_id, c.reception_date): c
        for c in ClaimClosure.objects.for_user(user)
        .filter(person_id__in=person_ids)
        .select_related("person")
    }
    new_rows = []
    for row in rows:
        if row.errors:
            counts["not_imported"] += 1
            if len(problems) < MAX_ERRORS_KEPT:
                problems.append(_problem(row))
            continue
        if row.outcome == "already_imported":
            counts["already_imported"] += 1
            continue
        closure = None
        if scan.kind == ScanKind.RECEPTION_LIST:
            # a reception list records who arrived, never benefits: closures are the EBSA's to make
            if row.outcome == ScanOutcome.ALREADY_RECORDED:
                closure = closures.get((row.person_id, row.episode[1]))
        elif row.outcome != ScanOutcome.NO_MATCH:
            closure = _reconcile(row, user=user, scan=scan, closures=closures)
        counts[row.outcome] += 1
        new_rows.append(
            ScanRow(
                scan=scan,
                agency_id=scan.agency_id,
                row_key=row.key,
                line=row.line,
                person_id=row.person_id,
                closure=closure,
                national_insurance_number=row.ni,
                prison_number=row.prison_number,
                last_name=row.last_name,
                first_name=row.first_name,
                reception_date=row.reception_date,
                benefit=row.benefit,
                outcome=row.outcome,
                match_basis=row.basis,
                date_of_birth=row.date_of_birth,
                sex=row.sex,
                benefit_delivery_centre=row.bdc,
                item_state=ScanItemState.OPEN if row.outcome == ScanOutcome.NO_MATCH else "",
            )
        )
    ScanRow.objects.bulk_create(new_rows, batch_size=1000)


def scan_import_run(*, scan_id: int) -> ScanImport | None:
    """Reconcile a confirmed scan, chunk by chunk (progress is visible between chunks). Safe to run twice:
    a finished scan is left alone and rows already reconciled are skipped by their unique key."""
    with transaction.atomic():
        scan = ScanImport.objects.select_for_update().filter(pk=scan_id).first()
        if scan is None or scan.status not in (ScanStatus.QUEUED, ScanStatus.RUNNING):
            return scan
        scan.status = ScanStatus.RUNNING
        scan.save(update_fields=["status"])
    user = scan.uploaded_by
    counts, problems, processed = Counter(), [], 0
    size = min(CHUNK, chunk_size())

    def take(chunk: list[Row]) -> None:
        nonlocal processed
        with transaction.atomic():
            _import_chunk(chunk, user=user, scan=scan, counts=counts, problems=problems)
            processed += len(chunk)
            ScanImport.objects.filter(pk=scan.pk).update(processed_rows=processed)

    try:
        acting_module.attach(user, scan.agency_id)
        ScanImport.objects.filter(pk=scan.pk).update(processed_rows=0)
        with scan.upload.open("rb") as fileobj:
            encoding, note = sniff(fileobj)
            chunk = []
            for row in iter_rows(fileobj, encoding, kind=scan.kind):
                chunk.append(row)
                if len(chunk) >= size:
                    take(chunk)
                    chunk = []
            if chunk:
                take(chunk)
    except (LookupError, FileRefused, OSError, ValueError) as exc:
        _fail(scan.pk, getattr(exc, "message", None) or "The file could not be read")
        return ScanImport.objects.get(pk=scan.pk)
    with transaction.atomic():
        summary = _outcome_counts(counts, note)
        ScanImport.objects.filter(pk=scan.pk).update(
            status=ScanStatus.DONE,
            finished_at=timezone.now(),
            counts=summary,
            errors=problems,
            processed_rows=processed,
            total_rows=processed,
        )
        access_event_record(
            user=user, action=Action.CHANGE, obj=scan, detail={"scan": scan.pk, "imported": summary}
        )
    return ScanImport.objects.get(pk=scan.pk)
