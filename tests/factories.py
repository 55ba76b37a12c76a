"""factory_boy factories and small builders shared by the tests (synthetic data only)."""

import datetime

import factory

from agencies import acting
from agencies.models import Agency, AgencyKind, Region, Role, Site, StaffMembership, User
from casework import services as casework_services
from casework.models import Person
from consent import services as consent_services


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = "East of England"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.PROBATION
    region = factory.SubFactory(RegionFactory)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "correct-horse-battery")
        if create:
            self.save(update_fields=["password"])


def staff(username: str, agency: Agency, role: str = Role.CASEWORKER) -> User:
    """A user with one membership, acting for it (user.acting set, as middleware would)."""
    user = UserFactory(username=username)
    StaffMembership.objects.get_or_create(user=user, agency=agency, defaults={"role": role})
    acting.attach(user)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Testperson{n}")
    date_of_birth = datetime.date(1990, 5, 17)
    sex = "male"


def person_with_case(
    user,
    *,
    first_name="Jordan",
    last_name="Example",
    support_level="high",
    stage="in_community",
    start_date=None,
    planned_end_date=None,
    offender_group="community",
    **person_fields,
):
    """Create a person and an open case through the services, owned by the user's acting agency.
    Tests reuse the default name and date of birth: the same-name warning is answered (a visible
    duplicate identifier is still refused)."""
    person_fields.setdefault("confirm_not_duplicate", True)
    person = casework_services.person_create(
        user=user,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=person_fields.pop("date_of_birth", datetime.date(1990, 5, 17)),
        sex=person_fields.pop("sex", "male"),
        **person_fields,
    )
    start = start_date or datetime.date.today() - datetime.timedelta(days=30)
    case = casework_services.case_open(
        user=user,
        person=person,
        offender_group=offender_group,
        support_level=support_level,
        stage=stage,
        start_date=start,
        planned_end_date=planned_end_date or start + datetime.timedelta(days=365),
    )
    return person, case


EVERYTHING_BUT_SENSITIVE = [
    "identity",
    "custody",
    "benefits",
    "case",
    "assessment",
    "plan",
    "notes",
    "referrals",
    "employment",
]
SENSITIVE = ["offence", "health", "drugs", "alcohol"]


def share_with(
    owner, case, agency, *, purposes=("employment_support",), expires_on=None, categories=None
):
    """Record consent for `agency` and involve it in the case (the normal sharing path).

    By default the consent covers, and the owner shares, every non-sensitive section; with the
    sensitive_categories purpose, the sensitive parts too (unless `categories` says otherwise).
    """
    if categories is None:
        categories = EVERYTHING_BUT_SENSITIVE + (
            SENSITIVE if "sensitive_categories" in purposes else []
        )
    consent = consent_services.consent_record(
        user=owner,
        person=case.person,
        recipient_agency=agency,
        purposes=list(purposes),
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today() - datetime.timedelta(days=1),
        expires_on=expires_on,
        data_categories=list(categories),
    )
    consent_services.case_involve(user=owner, case=case, agency=agency, categories=list(categories))
    return consent
