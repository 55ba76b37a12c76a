"""A printable summary of one case (issue 18): what the owning agency's user may see of it, as a PDF.

Each part is there only when the user's Access sees its section (consent.policy.access_for and
consent.sections), and each is read through the same scoped selectors as the case pages, so a
sensitive note appears only under its part and an assessment keeps only the need areas the reader
may see. Who may download it at all is consent.policy.may_download_case_summary.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from consent import policy
from consent.sections import Section

RECENT_NOTES = 10
UPCOMING_APPOINTMENTS = 10


def collect(*, user, case) -> dict:
    """The parts of the summary this user may see, in the order they are printed."""
    from casework import selectors
    from employers.selectors import spells_for_person
    from referrals.selectors import referrals_for_case

    person = case.person
    access = policy.access_for(user, person)
    data = {
        "person": person,
        "case": case,
        "generated_at": timezone.localtime(),
        "generated_by": user,
        "agency": user.acting.agency,
        "sections": [],
    }
    if access.sees(Section.IDENTITY):
        data["identity"] = person
        data["sections"].append(Section.IDENTITY)
    if access.sees(Section.CASE):
        data["case_details"] = case
        data["sections"].append(Section.CASE)
    if access.sees(Section.ASSESSMENT):
        assessments = selectors.assessments_for_case(user=user, case=case, access=access)
        data["assessment"] = assessments[-1] if assessments else None
        data["sections"].append(Section.ASSESSMENT)
    if access.sees(Section.PLAN):
        now = timezone.now()
        data["goals"] = selectors.goals_for_case(user=user, case=case)
        data["actions"] = selectors.actions_for_case(user=user, case=case)
        upcoming = [a for a in selectors.appointments_for_case(user=user, case=case) if a.at >= now]
        data["appointments"] = sorted(upcoming, key=lambda a: a.at)[:UPCOMING_APPOINTMENTS]
        data["sections"].append(Section.PLAN)
    if access.sees(Section.NOTES):
        notes = selectors.notes_for_case(user=user, case=case).order_by("-contact_on", "-id")
        data["notes"] = list(notes[:RECENT_NOTES])
        data["sections"].append(Section.NOTES)
    if access.sees(Section.REFERRALS):
        data["referrals"] = list(referrals_for_case(user=user, case=case))
        data["sections"].append(Section.REFERRALS)
    if access.sees(Section.EMPLOYMENT):
        data["job_starts"] = list(spells_for_person(user=user, person=person))
        data["sections"].append(Section.EMPLOYMENT)
    return data


def as_pdf(data: dict) -> bytes:
    """The summary rendered with the project's safe WeasyPrint renderer (core/pdf.py)."""
    from core.pdf import render_pdf

    return render_pdf(render_to_string("casework/case_summary_pdf.html", data))
