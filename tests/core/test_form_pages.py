"""Wayfinding (issue 18): every form page about a person has a back link and the person's name in
its title. Checked over the templates, so a new form page is held to it too."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# pages with a form that are not form pages (a record with actions on it)
NOT_FORM_PAGES = {
    "casework/case_detail.html",
    "casework/handoff_detail.html",
    "referrals/referral_detail.html",
    "reporting/reoffence_list.html",
    "audit/subject_access.html",
}


def _person_form_pages():
    for path in sorted(TEMPLATES.glob("*/*.html")):
        name = str(path.relative_to(TEMPLATES))
        text = path.read_text()
        about_a_person = "person.full_name" in text or "case_header.html" in text
        if '<form method="post"' in text and about_a_person and name not in NOT_FORM_PAGES:
            yield name, text


def test_every_form_page_about_a_person_has_a_back_link_and_the_name_in_its_title():
    pages = dict(_person_form_pages())
    assert len(pages) > 25
    missing_back = [
        name
        for name, text in pages.items()
        if "govuk-back-link" not in text and "includes/back_link.html" not in text
    ]
    assert not missing_back, missing_back
    missing_name = []
    for name, text in pages.items():
        title = re.search(r"{% block title %}(.*?){% endblock %}", text, re.S)
        if title is None or "person" not in title.group(1):
            missing_name.append(name)
    assert not missing_name, missing_name
