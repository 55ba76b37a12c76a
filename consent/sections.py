"""The sections of a person's record: the unit in which access is granted (ADR 0012).

Every piece of personal data belongs to one section. A basis (owning a case, an involvement with
consent, a statutory gateway, a Freshstart booking) grants a set of sections, each until a date;
consent.policy materialises them per (agency, person) in PersonAccess, one date column a section.

The sensitive section has four parts (offence details, health, drugs, alcohol), which a consent
names one by one; "sensitive" on its own means "any part". Consent data categories are the
sections a consent can cover, with the sensitive parts in place of "sensitive".
"""

from django.db import models


class Section(models.TextChoices):
    IDENTITY = "identity", "Identity and contact"
    CUSTODY = "custody", "Custody and release"
    BENEFITS = "benefits", "Benefits and claim closures"
    CASE = "case", "Case summary and case team"
    ASSESSMENT = "assessment", "Assessment"
    SENSITIVE = "sensitive", "Sensitive information"
    PLAN = "plan", "Action plan and appointments"
    NOTES = "notes", "Notes"
    REFERRALS = "referrals", "Referrals"
    EMPLOYMENT = "employment", "Employment"


class SensitivePart(models.TextChoices):
    OFFENCE = "offence", "Offence details"
    HEALTH = "health", "Health, including mental health"
    DRUGS = "drugs", "Drug misuse"
    ALCOHOL = "alcohol", "Alcohol misuse"


# What a consent can name, in plain English for the form and the printed consent form.
PLAIN_ENGLISH = {
    Section.IDENTITY: "your name, date of birth, reference numbers, addresses and contact details",
    Section.CUSTODY: "your sentence dates, where you are held, your release date and release plans "
    "(not what the offence was)",
    Section.BENEFITS: "the benefits you claim, benefit claims closed while you are in custody, "
    "benefit advice and claims after release",
    Section.CASE: "who is working with you, your stage of support and your level of support",
    Section.ASSESSMENT: "the assessment of your needs (not health, drugs or alcohol)",
    Section.PLAN: "your action plan, goals and appointments",
    Section.NOTES: "notes of contact with you",
    Section.REFERRALS: "referrals to other services",
    Section.EMPLOYMENT: "jobs you apply for, job starts and checks that you are still in work",
    SensitivePart.OFFENCE: "what the offence was",
    SensitivePart.HEALTH: "your physical and mental health",
    SensitivePart.DRUGS: "drug use and treatment",
    SensitivePart.ALCOHOL: "alcohol use and treatment",
}

NON_SENSITIVE = tuple(s for s in Section.values if s != Section.SENSITIVE)
PARTS = tuple(SensitivePart.values)
# The keys of a grant: every non-sensitive section and every sensitive part.
KEYS = NON_SENSITIVE + PARTS
ALL_SECTIONS = tuple(Section.values)


class DataCategory(models.TextChoices):
    """What a consent (or a referral, or a share) covers: the non-sensitive sections and the
    sensitive parts, named one by one."""

    IDENTITY = Section.IDENTITY.value, Section.IDENTITY.label
    CUSTODY = Section.CUSTODY.value, Section.CUSTODY.label
    BENEFITS = Section.BENEFITS.value, Section.BENEFITS.label
    CASE = Section.CASE.value, Section.CASE.label
    ASSESSMENT = Section.ASSESSMENT.value, "Needs assessment (not health, drugs or alcohol)"
    PLAN = Section.PLAN.value, Section.PLAN.label
    NOTES = Section.NOTES.value, "Case notes (not sensitive ones)"
    REFERRALS = Section.REFERRALS.value, "Referrals to other services"
    EMPLOYMENT = Section.EMPLOYMENT.value, "Employment: applications, job starts, retention checks"
    OFFENCE = SensitivePart.OFFENCE.value, "Sensitive: offence details"
    HEALTH = SensitivePart.HEALTH.value, "Sensitive: health, including mental health"
    DRUGS = SensitivePart.DRUGS.value, "Sensitive: drug misuse"
    ALCOHOL = SensitivePart.ALCOHOL.value, "Sensitive: alcohol misuse"


SENSITIVE_CATEGORIES = frozenset(PARTS)
NON_SENSITIVE_CATEGORIES = frozenset(NON_SENSITIVE)

# Categories of the first consent form (before sections), as they map onto today's.
LEGACY_CATEGORIES = {
    "identity": ["identity"],
    "employment": ["employment"],
    "benefits": ["benefits"],
    "assessment": ["assessment", "plan"],
    "offence": ["offence", "custody"],
    "health": ["health", "drugs", "alcohol"],
}

# Risk of serious harm, MAPPA and licence conditions come from the offence: they are kept in the
# offence part, so a consent to share offence details is what shares them (ADR 0112).
RISK_PART = SensitivePart.OFFENCE

# The assessment's need areas that are sensitive, and the part each needs.
SENSITIVE_NEED_AREAS = {"health": "health", "drugs": "drugs", "alcohol": "alcohol"}

# What a statutory gateway grants (DESIGN.md: "only what its purpose needs").
GATEWAY_SECTIONS = {
    "claim_closure": (Section.IDENTITY, Section.CUSTODY, Section.BENEFITS),
    "freshstart": (Section.IDENTITY, Section.CUSTODY, Section.BENEFITS),
}

BASIS_LABELS = {
    "owner": "owns the case",
    "consent": "consent",
    "claim_closure": "claim-closure gateway",
    "freshstart": "Freshstart appointment",
    "named": "named access",
    "emergency": "emergency access",
}


def field_for(key: str) -> str:
    """The PersonAccess column holding a section's (or a part's) end date."""
    return f"{key}_until"


def label(key: str) -> str:
    if key in Section.values:
        return Section(key).label
    return f"Sensitive: {SensitivePart(key).label.lower()}"


def sections_of(keys) -> list[str]:
    """The user-facing sections a set of keys amounts to (any part gives "sensitive")."""
    keys = set(keys)
    has_part = bool(keys & SENSITIVE_CATEGORIES)
    return [s for s in ALL_SECTIONS if s in keys or (s == Section.SENSITIVE and has_part)]
