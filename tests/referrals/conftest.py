"""Referral fixtures: a provision at provider A and person A's consent to share with provider A."""

import datetime

import pytest

from agencies.models import Role
from consent import services as consent_services
from referrals import services
from referrals.models import DeliveryKind, Provision, Setting
from tests.factories import EVERYTHING_BUT_SENSITIVE, staff


@pytest.fixture
def provision_a(provider_a):
    return Provision.objects.create(
        name="Job club A",
        agency=provider_a,
        agency_kind=DeliveryKind.OTHER_PARTNER,
        setting=Setting.COMMUNITY,
        eligibility="Anyone",
    )


@pytest.fixture
def adviser_a2(provider_a):
    return staff("adviser_a2", provider_a, Role.EMPLOYMENT_ADVISER)


@pytest.fixture
def provider_manager(provider_a):
    user = staff("provider_manager", provider_a, Role.MANAGER)
    user.email = "provider.manager@example.org"
    user.save(update_fields=["email"])
    return user


def give_consent(owner, person, agency, **kwargs):
    return consent_services.consent_record(
        user=owner,
        person=person,
        recipient_agency=agency,
        purposes=kwargs.pop("purposes", ["employment_support"]),
        data_categories=kwargs.pop("data_categories", EVERYTHING_BUT_SENSITIVE),
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today() - datetime.timedelta(days=1),
        **kwargs,
    )


@pytest.fixture
def consent_a(caseworker_a, person_a, provider_a):
    """Person A consents to share with provider A (not yet involved in the case)."""
    return give_consent(caseworker_a, person_a, provider_a)


def make_referral(
    user, case, provision, *, send=True, reason="Needs help with CV writing", **kwargs
):
    referral = services.referral_create(
        user=user,
        case=case,
        provision=provision,
        need="education_training_employment",
        reason=reason,
        share_categories=kwargs.pop("share_categories", ["identity"]),
        **kwargs,
    )
    if send:
        referral = services.referral_send(user=user, referral=referral)
    return referral


@pytest.fixture
def draft_a(caseworker_a, case_a, provision_a):
    return make_referral(caseworker_a, case_a, provision_a, send=False)


@pytest.fixture
def sent_a(caseworker_a, case_a, provision_a, consent_a):
    return make_referral(caseworker_a, case_a, provision_a)
