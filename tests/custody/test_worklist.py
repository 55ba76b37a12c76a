import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import SentenceType
from custody import services
from custody.selectors import ebsa_worklist
from tests.custody.conftest import receive
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _people(owner, site, n, start=0, **receive_kwargs):
    made = []
    for i in range(start, start + n):
        person, _ = person_with_case(
            owner, last_name=f"Received{i:03d}", offender_group="short_custody"
        )
        receive(person, site, days_ago=5 + i % 50, **receive_kwargs)
        made.append(person)
    return made


def test_worklist_lists_new_receptions_oldest_first_with_days_and_remand_flag(
    client_for, ebsa_a, caseworker_a, prison_site, surgery
):
    newer, _ = person_with_case(caseworker_a, last_name="Newer")
    receive(newer, prison_site, days_ago=3)
    older, _ = person_with_case(caseworker_a, last_name="Older")
    receive(older, prison_site, days_ago=20, sentence_type=SentenceType.REMAND)
    stale, _ = person_with_case(caseworker_a, last_name="Longago")
    receive(stale, prison_site, days_ago=120)
    html = client_for(ebsa_a).get(reverse("custody:worklist")).content.decode()
    receptions = html[html.index('id="receptions"') : html.index('id="progress-heading"')]
    assert receptions.index("OLDER") < receptions.index("NEWER")
    assert "LONGAGO" not in receptions
    assert ">20<" in receptions and ">3<" in receptions
    assert receptions.count("Remand") == 1


def test_recorded_closure_moves_reception_to_in_progress_then_off(
    client_for, ebsa_a, prisoner, prison_site
):
    closure = services.claim_closure_create(
        user=ebsa_a,
        person=prisoner,
        establishment=prison_site,
        reception_date=TODAY - datetime.timedelta(days=10),
        benefits=["jsa"],
    )
    work = ebsa_worklist(user=ebsa_a)
    assert prisoner.pk not in [e.person_id for e in work.receptions]
    assert [c.pk for c in work.in_progress] == [closure.pk]
    services.claim_closure_update(
        user=ebsa_a,
        closure=closure,
        version=1,
        sent_to_bdc_on=TODAY,
        bdc_contact_method="phone",
        closed_on=TODAY,
    )
    assert ebsa_worklist(user=ebsa_a).in_progress == []


def test_release_section_needs_both_advice_and_freshstart(
    ebsa_a, caseworker_a, prison_site, luton_office, surgery
):
    person, _ = person_with_case(caseworker_a, last_name="Leaving", release_area="Luton")
    receive(person, prison_site, days_ago=60, expected_in_days=20)
    later, _ = person_with_case(caseworker_a, last_name="Later")
    receive(later, prison_site, days_ago=60, expected_in_days=60)
    work = ebsa_worklist(user=ebsa_a)
    assert [e.person_id for e in work.releases] == [person.pk]
    services.pre_release_advice_record(
        user=ebsa_a, person=person, given_on=TODAY, discussed="Benefits on release"
    )
    item = ebsa_worklist(user=ebsa_a).releases[0]
    assert item.has_advice and not item.has_freshstart
    services.freshstart_book(
        user=ebsa_a,
        person=person,
        office=luton_office,
        appointment_at=timezone.now() + datetime.timedelta(days=21),
    )
    assert ebsa_worklist(user=ebsa_a).releases == []


@pytest.mark.parametrize("size", [2, 12])
def test_worklist_runs_a_fixed_number_of_queries(
    client_for,
    ebsa_a,
    caseworker_a,
    prison_site,
    surgery,
    luton_office,
    django_assert_max_num_queries,
    size,
):
    people = _people(caseworker_a, prison_site, size)
    _people(caseworker_a, prison_site, size, start=100, expected_in_days=10)
    for person in people[: size // 2]:
        services.claim_closure_create(
            user=ebsa_a,
            person=person,
            establishment=prison_site,
            reception_date=person.sentences.get().reception_date,
            benefits=["jsa"],
        )
    client = client_for(ebsa_a)
    with django_assert_max_num_queries(17):  # +1 the unread notifications in the header
        response = client.get(reverse("custody:worklist"))
    assert response.content.decode().count("Record claim closure") == size + size - size // 2


def test_other_jobcentre_worklist_is_empty(client_for, work_coach_a, prisoner):
    html = client_for(work_coach_a).get(reverse("custody:worklist")).content.decode()
    assert "INSIDE" not in html and "New receptions" not in html
