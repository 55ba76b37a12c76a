"""Demo custody data (synthetic, idempotent): the EBSA surgery at HMP Bedford, recent receptions there,
a few claim closures, and releases to Luton with Freshstart appointments at Luton Jobcentre."""

import datetime

from django.utils import timezone

from casework.models import OffenderGroup, Person, SentenceEpisode, SentenceType
from consent import policy
from consent.services import statutory_gateway_open
from custody.models import Benefit, ClaimClosure, ContactMethod, FoundBy, FreshstartAppointment
from custody.services import (
    CLAIM_CLOSURE_GATEWAY,
    FRESHSTART_GATEWAY,
    FRESHSTART_GATEWAY_DAYS,
    benefit_surgery_open,
)

RECEPTIONS = 10  # community people newly received at HMP Bedford (breach or new offence)


def _candidates(world):
    luton = world["agencies"]["Bedfordshire Probation"]
    return [p for p in world["people"] if p.cases.filter(owning_agency=luton, offender_group=OffenderGroup.COMMUNITY,
                                                         end_date__isnull=True).exists()][:RECEPTIONS + 2]


def _gateway_for(closure):
    statutory_gateway_open(person=closure.person, agency=closure.agency, reason=CLAIM_CLOSURE_GATEWAY,
                           started_on=closure.reception_date, ends_on=closure.reception_date + datetime.timedelta(days=365))


def seed(world):
    agencies, sites, users = world["agencies"], world["sites"], world["users"]
    today = policy.today()
    ebsa_agency, bedford = agencies["Jobcentre Plus at HMP Bedford"], sites["HMP Bedford"]
    ebsa = users["ebsa.bedford"]
    benefit_surgery_open(jobcentre=ebsa_agency, establishment=bedford)
    people = _candidates(world)
    received = []
    for index, person in enumerate(people[:RECEPTIONS]):
        episode = SentenceEpisode.objects.filter(person=person, establishment=bedford).first()
        if episode is None:
            remand = index % 4 == 0
            reception = today - datetime.timedelta(days=3 + index * 6)
            episode = SentenceEpisode.objects.create(
                person=person, case=person.cases.first(), sentence_type=SentenceType.REMAND if remand else SentenceType.CUSTODIAL,
                length_months=None if remand else 3 + index, sentence_date=reception, reception_date=reception,
                establishment=bedford, expected_release_date=reception + datetime.timedelta(days=30 + index * 9))
            if not person.prison_number:
                Person.objects.filter(pk=person.pk).update(prison_number=f"A{7000 + index:04d}BD")
            policy.refresh_person_access(person)
        received.append((person, episode))
    # A few closures: two confirmed, one sent, one found by the matching scan and waiting.
    states = [("closed", [Benefit.UNIVERSAL_CREDIT]), ("closed", [Benefit.JSA, Benefit.HOUSING_BENEFIT]),
              ("sent", [Benefit.ESA]), ("scan", [Benefit.UNIVERSAL_CREDIT])]
    for (person, episode), (state, benefits) in zip(received[-4:], states, strict=False):
        if ClaimClosure.objects.filter(person=person, reception_date=episode.reception_date).exists():
            continue
        start = episode.reception_date
        sent = min(today, start + datetime.timedelta(days=2)) if state in ("closed", "sent") else None
        closure = ClaimClosure.objects.create(
            person=person, agency=ebsa_agency, establishment=bedford, reception_date=start, benefits=benefits,
            found_by=FoundBy.MATCHING_SCAN if state == "scan" else FoundBy.EBSA_CASEWORK, identity_checked=state != "scan",
            national_insurance_number=person.national_insurance_number, benefit_delivery_centre="Bedford Benefit Centre",
            bdc_contact_method=ContactMethod.SECURE_EMAIL if sent else "", received_on=start, identified_on=start,
            sent_to_bdc_on=sent, closed_on=min(today, start + datetime.timedelta(days=5)) if state == "closed" else None,
            created_by=ebsa)
        _gateway_for(closure)
    _releases(world, people[RECEPTIONS:], today, bedford)


def _releases(world, people, today, bedford):
    """One person released to Luton a few days ago (attendance to record) and one due out in three weeks."""
    luton_office, ebsa = world["sites"]["Luton Jobcentre"], world["users"]["ebsa.bedford"]
    for index, person in enumerate(people[:2]):
        released = index == 0
        if SentenceEpisode.objects.filter(person=person, establishment=bedford).exists():
            continue
        Person.objects.filter(pk=person.pk).update(release_area="Luton", prison_number=person.prison_number or f"A{7100 + index:04d}BD")
        reception = today - datetime.timedelta(days=70)
        expected = today - datetime.timedelta(days=4) if released else today + datetime.timedelta(days=21)
        SentenceEpisode.objects.create(
            person=person, case=person.cases.first(), sentence_type=SentenceType.CUSTODIAL, length_months=6,
            sentence_date=reception, reception_date=reception, establishment=bedford, expected_release_date=expected,
            actual_release_date=expected if released else None, release_type="licence" if released else "")
        if released:
            at = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(10, 0)))
            FreshstartAppointment.objects.create(person=person, jobcentre=luton_office.agency, office=luton_office,
                                                 appointment_at=at, booked_by=ebsa,
                                                 booked_by_agency=world["agencies"]["Jobcentre Plus at HMP Bedford"])
            statutory_gateway_open(person=person, agency=luton_office.agency, reason=FRESHSTART_GATEWAY, started_on=reception,
                                   ends_on=at.date() + datetime.timedelta(days=FRESHSTART_GATEWAY_DAYS))
        person.refresh_from_db()
        policy.refresh_person_access(person)
