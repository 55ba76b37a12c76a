"""Hypothesis tests for the form validators: identifiers, postcodes and GOV.UK date fields.

Any input either passes or is refused with a ValidationError (never another exception, which
would be a 500), valid values pass however they are spaced or cased, and only ASCII letters and
digits are accepted in identifiers.
"""

import datetime
import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casework.validators import (
    normalise,
    normalise_postcode,
    validate_crn,
    validate_ni_number,
    validate_postcode,
    validate_prison_number,
)
from core.forms import DateField

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
VALIDATORS = [validate_ni_number, validate_prison_number, validate_crn, validate_postcode]

NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
BANNED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

ninos = st.builds(
    lambda a, b, digits, suffix: f"{a}{b}{digits}{suffix}",
    st.sampled_from(NINO_FIRST),
    st.sampled_from(NINO_SECOND),
    st.text(string.digits, min_size=6, max_size=6),
    st.sampled_from("ABCD"),
).filter(lambda v: v[:2] not in BANNED_PREFIXES)
postcodes = st.builds(
    lambda area, district, sector, unit: f"{area}{district} {sector}{unit}",
    st.text(string.ascii_uppercase, min_size=1, max_size=2),
    st.one_of(
        st.text(string.digits, min_size=1, max_size=2),
        st.builds(
            lambda d, letter: d + letter,
            st.sampled_from(string.digits),
            st.sampled_from(string.ascii_uppercase),
        ),
    ),
    st.sampled_from(string.digits),
    st.text(string.ascii_uppercase, min_size=2, max_size=2),
)


def _respace(value: str, data) -> str:
    """The same value as a person might type it: random case and spaces."""
    out = []
    for ch in value.replace(" ", ""):
        out.append(ch.lower() if data.draw(st.booleans()) else ch)
        if data.draw(st.integers(0, 4)) == 0:
            out.append(" ")
    return " " + "".join(out) + " "


@FUZZ
@given(st.sampled_from(VALIDATORS), st.text(max_size=40))
# Regressions: non-ASCII digits were accepted (and stored) in identifiers before re.ASCII.
@example(validate_ni_number, "AB\u0661\u0662\u0663\u0664\u0665\u0666C")  # Arabic-Indic digits
@example(validate_crn, "X\uff11\uff12\uff13\uff14\uff15\uff16")  # full-width digits
@example(validate_prison_number, "A\u0967\u0968\u0969\u096aBC")  # Devanagari digits
@example(validate_postcode, "\U0001d7d9\U0001d7da A A")
def test_any_text_is_accepted_or_refused_cleanly(validator, value):
    try:
        validator(value)
    except ValidationError:
        return
    compact = normalise(value)
    assert compact.isascii() and compact.isalnum() or value.strip() == "", value


@FUZZ
@given(ninos, st.data())
def test_valid_ni_numbers_pass_however_typed(value, data):
    validate_ni_number(_respace(value, data))


@FUZZ
@given(
    st.sampled_from(sorted(BANNED_PREFIXES)),
    st.text(string.digits, min_size=6, max_size=6),
    st.sampled_from("ABCD"),
)
def test_never_issued_ni_prefixes_are_refused(prefix, digits, suffix):
    with pytest.raises(ValidationError):
        validate_ni_number(f"{prefix}{digits}{suffix}")


@FUZZ
@given(postcodes, st.data())
def test_valid_postcodes_pass_however_typed(value, data):
    validate_postcode(_respace(value, data))
    assert normalise_postcode(_respace(value, data)) == value


@FUZZ
@given(st.text(max_size=20))
def test_normalising_twice_changes_nothing(value):
    assert normalise(normalise(value)) == normalise(value)
    assert normalise_postcode(normalise_postcode(value)) == normalise_postcode(value)


@FUZZ
@given(st.from_regex(r"\A[A-Z][0-9]{4}[A-Z]{2}\Z"), st.from_regex(r"\A[A-Z][0-9]{6}\Z"), st.data())
def test_valid_prison_numbers_and_crns_pass(prison_number, crn, data):
    validate_prison_number(_respace(prison_number, data))
    validate_crn(_respace(crn, data))


date_part = st.one_of(
    st.text(max_size=6),
    st.integers(-99999, 99999).map(str),
    st.none(),
    st.sampled_from(
        ["²", "٣", "1²", "０５", "2 0", "1e3", "0x10", "+5", "-1", "99999999999999999999"]
    ),
)


@FUZZ
@given(date_part, date_part, date_part)
@example("³", "1", "2000")  # a superscript is a "digit" to str.isdigit() but not to int()
@example("1", "1", "２０００")  # full-width digits mean the same number: accepted as 1 January 2000
@example(
    "99999999999999999999", "1", "2000"
)  # overflows inside datetime.date: a 500 before the fix
def test_date_field_accepts_or_refuses_any_input_cleanly(day, month, year):
    field = DateField(label="Date of birth", required=False)
    try:
        result = field.clean([day, month, year])
    except ValidationError:
        return
    assert result is None or isinstance(result, datetime.date)
    if result is not None:
        assert (result.day, result.month, result.year) == (int(day), int(month), int(year))


@FUZZ
@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
    st.booleans(),
)
def test_real_dates_round_trip(value, pad):
    parts = [
        f"{value.day:02d}" if pad else str(value.day),
        f"{value.month:02d}" if pad else str(value.month),
        str(value.year),
    ]
    assert DateField(label="Date").clean(parts) == value


@FUZZ
@given(st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(1899, 12, 31)))
def test_dates_outside_the_range_are_refused(value):
    with pytest.raises(ValidationError):
        DateField(label="Date").clean([str(value.day), str(value.month), str(value.year)])
