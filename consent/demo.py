"""Demo consents: about a third of Luton's people share with Jobcentre Plus Luton and path2work."""

import datetime

from consent import policy
from consent.models import CaseInvolvement, ConsentMethod, ConsentRecord, InvolvementBasis


def seed(world):
    agencies, users = world["agencies"], world["users"]
    today = policy.today()
    luton = agencies["Bedfordshire Probation"]
    recorder = users["probation.luton"]
    for index, person in enumerate(world["people"]):
        case = person.cases.filter(owning_agency=luton, end_date__isnull=True).first()
        if case is None or index % 3:
            continue
        recipients = [agencies["Jobcentre Plus Luton"]] + (
            [agencies["path2work"]] if index % 2 == 0 else []
        )
        for recipient in recipients:
            if ConsentRecord.objects.filter(person=person, recipient_agency=recipient).exists():
                continue
            given = max(case.start_date, today - datetime.timedelta(days=200))
            ConsentRecord.objects.create(
                person=person,
                recipient_agency=recipient,
                employment_support=True,
                offender_marker=recipient.kind == "jobcentre",
                data_categories=["identity", "employment", "benefits", "assessment"],
                method=ConsentMethod.SIGNED_FORM,
                form_version="v3",
                given_on=given,
                expires_on=given + datetime.timedelta(days=365),
                recorded_by=recorder,
                recorded_by_agency=luton,
            )
            CaseInvolvement.objects.get_or_create(
                case=case,
                agency=recipient,
                basis=InvolvementBasis.SHARE,
                ended_on__isnull=True,
                defaults={"started_on": given, "created_by": recorder},
            )
        policy.refresh_person_access(person)
