"""One record per person (issue 18). Adding a person whose CRN, prison number or NI number is on a
record the agency can see is refused with a link to that record; the same name and date of birth
asks "is this someone else?" before saving. An identifier on a record the agency cannot see is
never mentioned: the record is saved and a PossibleDuplicate is left for an administrator.
What the agency can see is the access policy's (Person.objects.for_user)."""

from django.urls import reverse

from casework.models import Person, PossibleDuplicate
from core.errors import ApplicationError

IDENTIFIER_LABELS = {
    "crn": "CRN",
    "prison_number": "prison number",
    "national_insurance_number": "National Insurance number",
}


class DuplicatePerson(ApplicationError):
    """The identifier is on a record the user can see: open that one instead (409)."""

    status_code = 409
    code = "duplicate_person"


class PossibleDuplicatePerson(ApplicationError):
    """Someone the user can see has the same name and date of birth: confirm it is another person
    (409 until `confirm_not_duplicate`)."""

    status_code = 409
    code = "possible_duplicate"


def _identifier_q(fields: dict):
    from django.db.models import Q

    q = Q()
    for name in IDENTIFIER_LABELS:
        if fields.get(name):
            q |= Q(**{name: fields[name]})
    return q


def check_before_saving(*, user, fields: dict, exclude_pk=None, confirmed: bool = False) -> None:
    """Refuse a visible duplicate identifier; warn on a visible same name and date of birth."""
    wanted = _identifier_q(fields)
    visible = Person.objects.for_user(user)
    if exclude_pk is not None:
        visible = visible.exclude(pk=exclude_pk)
    if wanted:
        match = visible.filter(wanted).order_by("id").first()
        if match is not None:
            name, label = next(
                (n, label)
                for n, label in IDENTIFIER_LABELS.items()
                if fields.get(n) and getattr(match, n) == fields[n]
            )
            raise DuplicatePerson(
                f"{match.full_name} already has this {label} on Resettle: open their record "
                "instead of adding another",
                field=name,
                extra={
                    "duplicate_of": match.pk,
                    "url": reverse("casework:person_detail", args=[match.pk]),
                },
            )
    if confirmed or not (fields.get("date_of_birth") and fields.get("last_name")):
        return
    same = list(
        visible.filter(
            first_name__iexact=(fields.get("first_name") or "").strip(),
            last_name__iexact=fields["last_name"].strip(),
            date_of_birth=fields["date_of_birth"],
        ).order_by("id")[:5]
    )
    if same:
        raise PossibleDuplicatePerson(
            f"{same[0].full_name}, born {same[0].date_of_birth:%-d %B %Y}, is already on Resettle. "
            "Check it is not the same person; if it is someone else, confirm and save again",
            field="confirm_not_duplicate",
            extra={
                "possible_duplicates": [p.pk for p in same],
                "urls": [reverse("casework:person_detail", args=[p.pk]) for p in same],
            },
        )


def flag_hidden_duplicates(person: Person) -> int:
    """After saving: identifiers also on records the person's agency cannot see become
    PossibleDuplicates for an administrator (unscoped on purpose: nothing is shown to the user)."""
    wanted = _identifier_q({n: getattr(person, n) for n in IDENTIFIER_LABELS})
    if not wanted:
        return 0
    found = 0
    for other in Person.objects.filter(wanted).exclude(pk=person.pk).order_by("id")[:20]:
        basis = ", ".join(
            label
            for n, label in IDENTIFIER_LABELS.items()
            if getattr(person, n) and getattr(other, n) == getattr(person, n)
        )
        _row, created = PossibleDuplicate.objects.get_or_create(
            person=person, other=other, defaults={"basis": basis}
        )
        found += created
    return found


def page_context(exc: ApplicationError) -> dict:
    """For the add-a-person page after a refusal: links to the record(s) it is or may be, and
    whether to show the "this is a different person" answer."""
    urls = exc.extra.get("urls") or ([exc.extra["url"]] if exc.extra.get("url") else [])
    return {"duplicate_urls": urls, "show_confirm": exc.code == PossibleDuplicatePerson.code}
