"""The state machines' world: one person, owned by a probation agency, received at a prison where a
Jobcentre runs the benefit surgery, with a provider, a release-area Jobcentre and another probation."""

import datetime

import pytest
from django.utils import timezone

from agencies.models import AgencyKind, Role, SiteKind
from casework import services as case_services
from custody.services import benefit_surgery_open
from referrals.models import Provision
from tests.factories import AgencyFactory, SiteFactory, person_with_case, staff

TODAY = datetime.date.today


@pytest.fixture
def world(region):
    owner = AgencyFactory(name="Owner Probation", kind=AgencyKind.PROBATION, region=region)
    other = AgencyFactory(name="Other Probation", kind=AgencyKind.PROBATION, region=region)
    provider = AgencyFactory(name="Provider", kind=AgencyKind.PROVIDER, region=region)
    prison_jc = AgencyFactory(name="Prison Jobcentre", kind=AgencyKind.JOBCENTRE, region=region)
    release_jc = AgencyFactory(name="Release Jobcentre", kind=AgencyKind.JOBCENTRE, region=region)
    prison = AgencyFactory(name="HMP Test", kind=AgencyKind.PRISON, region=region)
    prison_site = SiteFactory(agency=prison, name="HMP Test", kind=SiteKind.PRISON)
    office = SiteFactory(
        agency=release_jc, name="Release office", kind=SiteKind.JOBCENTRE, town="Luton"
    )
    benefit_surgery_open(jobcentre=prison_jc, establishment=prison_site)
    users = {
        "owner": staff("sm_owner", owner, Role.CASEWORKER),
        "owner_manager": staff("sm_owner_manager", owner, Role.MANAGER),
        "adviser": staff("sm_adviser", provider, Role.EMPLOYMENT_ADVISER),
        "provider_manager": staff("sm_provider_manager", provider, Role.MANAGER),
        "ebsa": staff("sm_ebsa", prison_jc, Role.EBSA),
        "coach": staff("sm_coach", release_jc, Role.WORK_COACH),
        "other": staff("sm_other", other, Role.CASEWORKER),
    }
    person, case = person_with_case(
        users["owner"],
        last_name="Machine",
        crn="M123456",
        release_area="Luton",
        offender_group="short_custody",
    )
    reception = TODAY() - datetime.timedelta(days=10)
    case_services.sentence_record(
        user=users["owner"],
        case=case,
        sentence_type="custodial",
        reception_date=reception,
        sentence_date=reception,
        establishment=prison_site,
        expected_release_date=TODAY() + datetime.timedelta(days=5),
    )
    appointment = case_services.appointment_add(
        user=users["owner"],
        case=case,
        kind="probation",
        at=timezone.now() - datetime.timedelta(hours=1),
    )
    provision = Provision.objects.create(
        name="Support", agency=provider, agency_kind="other_partner", setting="community"
    )
    return {
        "users": users,
        "person": person,
        "case": case,
        "office": office,
        "appointment": appointment,
        "provision": provision,
        "agencies": {
            "owner": owner,
            "other": other,
            "provider": provider,
            "prison_jc": prison_jc,
            "release_jc": release_jc,
        },
    }
