"""Format checks for identifiers. Each normalises (upper case, no spaces) before checking."""

import re

from django.core.exceptions import ValidationError

# National Insurance number: two prefix letters (not D, F, I, Q, U or V; second not O; some pairs
# never issued), six digits and a suffix A-D.
# re.ASCII: \d must not match other scripts' digits (e.g. Arabic-Indic or full-width ones).
_NINO = re.compile(
    r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$", re.ASCII
)
_PRISON_NUMBER = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$", re.ASCII)
_CRN = re.compile(r"^[A-Z]\d{6}$", re.ASCII)
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.ASCII)


def normalise(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_ni_number(value: str) -> None:
    if value and not _NINO.match(normalise(value)):
        raise ValidationError(
            "Enter a National Insurance number in the correct format, like QQ 12 34 56 C",
            code="invalid",
        )


def validate_prison_number(value: str) -> None:
    if value and not _PRISON_NUMBER.match(normalise(value)):
        raise ValidationError(
            "Enter a prison number in the correct format, like A1234BC", code="invalid"
        )


def validate_crn(value: str) -> None:
    if value and not _CRN.match(normalise(value)):
        raise ValidationError(
            "Enter a case reference number (CRN) in the correct format, like X123456",
            code="invalid",
        )


def normalise_postcode(value: str) -> str:
    compact = normalise(value)
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(value: str) -> None:
    if value and not _POSTCODE.match(normalise_postcode(value)):
        raise ValidationError("Enter a real postcode, like LU1 2AB", code="invalid")
