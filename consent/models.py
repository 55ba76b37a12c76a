import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import UserObjectPermissionBase

from consent import sections

FOREVER = datetime.date(9999, 12, 31)


class Purpose(models.TextChoices):
    EMPLOYMENT_SUPPORT = "employment_support", "Employment support (case management)"
    OFFENDER_MARKER = "offender_marker", "Offender marker on the Jobcentre record"
    DISCLOSE_TO_EMPLOYER = "disclose_to_employer", "Disclosure to an employer"
    SENSITIVE_CATEGORIES = (
        "sensitive_categories",
        "Sensitive categories (offence, health, substance misuse)",
    )


# What a consent covers: the sections of the record, with the sensitive parts named one by one.
DataCategory = sections.DataCategory


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", "Signed form"
    VERBAL_WITNESSED = "verbal_witnessed", "Verbal, with a witness"


LIVE_CONSENT_FIELDS = ["employment_support", "given_on", "expires_on", "withdrawn_on"]


class ConsentRecord(models.Model):
    """The person's consent to share with one recipient agency for the purposes ticked."""

    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, related_name="consents")
    recipient_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="consents_received"
    )
    employment_support = models.BooleanField(default=False)
    offender_marker = models.BooleanField(default=False)
    disclose_to_employer = models.BooleanField(default=False)
    sensitive_categories = models.BooleanField(default=False)
    data_categories = models.JSONField(default=list, blank=True)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    form_version = models.CharField(max_length=20, blank=True)
    witness_name = models.CharField(max_length=200, blank=True)
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Expiry or review date")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)

    PURPOSE_FIELDS = [p.value for p in Purpose]

    class Meta:
        ordering = ["-given_on", "-id"]
        # Covering: "is there a live consent?" is answered from the index, per person (referral scope)
        # or per recipient agency (the receiving agency's inbox, hashed).
        indexes = [
            models.Index(
                fields=["person", "recipient_agency"],
                include=LIVE_CONSENT_FIELDS,
                name="consent_person_recipient",
            ),
            models.Index(
                fields=["recipient_agency", "person"],
                include=LIVE_CONSENT_FIELDS,
                name="consent_recipient_person",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("given_on")),
                name="consent_expiry_after_given",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    @property
    def purposes(self) -> list[str]:
        return [name for name in self.PURPOSE_FIELDS if getattr(self, name)]

    def purpose_labels(self) -> list[str]:
        return [Purpose(p).label for p in self.purposes]

    def category_labels(self) -> list[str]:
        return [
            DataCategory(c).label for c in self.data_categories or [] if c in DataCategory.values
        ]

    def is_active_on(self, day: datetime.date) -> bool:
        return (
            self.given_on <= day
            and (self.withdrawn_on is None or self.withdrawn_on > day)
            and (self.expires_on is None or self.expires_on >= day)
        )

    def status_on(self, day: datetime.date) -> str:
        if self.withdrawn_on is not None and self.withdrawn_on <= day:
            return "withdrawn"
        if self.expires_on is not None and self.expires_on < day:
            return "expired"
        if self.given_on > day:
            return "not yet started"
        return "active"

    def __str__(self):
        return f"Consent {self.pk}: {self.person_id} -> {self.recipient_agency}"


class InvolvementBasis(models.TextChoices):
    SHARE = "share", "Shared by the case owner"
    REFERRAL = "referral", "Accepted referral"
    HANDOFF = "handoff", "Release hand-off"


class CaseInvolvement(models.Model):
    """Another agency working on the case in parallel. It sees the person only while consent covers it."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="involvements")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="involvements"
    )
    basis = models.CharField(max_length=20, choices=InvolvementBasis.choices)
    # What the owner chose to send (the referral's "information to share", or the share's): the
    # agency sees these and only these, and only as far as its consent covers them.
    categories = models.JSONField(default=list, blank=True)
    # The involved agency's own site working the case (set on accepting a referral, changed by that
    # agency only): a provider's reports break its figures down by it (reporting.measures.own_site).
    site = models.ForeignKey(
        "agencies.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="involvements",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def category_labels(self) -> list[str]:
        chosen = self.categories or sections.KEYS
        return [label for value, label in DataCategory.choices if value in chosen]

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agency", "basis"],
                condition=Q(ended_on__isnull=True),
                name="involvement_one_open_per_basis",
            ),
        ]


class StatutoryGateway(models.Model):
    """Access that needs no consent, e.g. the EBSA claim-closure process (fraud and error prevention)."""

    person = models.ForeignKey("casework.Person", on_delete=models.CASCADE, related_name="gateways")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40)
    started_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "agency", "reason"], name="gateway_unique")
        ]


class PersonAccess(models.Model):
    """Denormalised answer of the access rule: which agency may see which person, until when.

    Rebuilt for a person by consent.policy.refresh_person_access in the same transaction as every
    ownership, involvement, gateway and consent change. Expiry lives in visible_until, so the
    query `visible_until >= today` hides an expired consent at once, with no batch job. The
    person's `restricted` flag is copied here (consent.services.person_set_restricted keeps it in
    step) and an anonymised person has no rows, so a scoped query never has to read the people
    table to decide access (docs/performance.md).
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("casework.Person", on_delete=models.CASCADE, related_name="access")
    # The latest of the dates below: the agency sees some part of the record until then.
    visible_until = models.DateField()
    # One end date per section (consent.sections), None where no basis grants it. The sensitive
    # section has one per part, and sensitive_until is the latest of them ("any part").
    identity_until = models.DateField(null=True, blank=True)
    custody_until = models.DateField(null=True, blank=True)
    benefits_until = models.DateField(null=True, blank=True)
    case_until = models.DateField(null=True, blank=True)
    assessment_until = models.DateField(null=True, blank=True)
    plan_until = models.DateField(null=True, blank=True)
    notes_until = models.DateField(null=True, blank=True)
    referrals_until = models.DateField(null=True, blank=True)
    employment_until = models.DateField(null=True, blank=True)
    offence_until = models.DateField(null=True, blank=True)
    health_until = models.DateField(null=True, blank=True)
    drugs_until = models.DateField(null=True, blank=True)
    alcohol_until = models.DateField(null=True, blank=True)
    sensitive_until = models.DateField(null=True, blank=True)
    # Until when the agency holds the owner basis (an open case, or one closed within the grace
    # period, or the record it created): it may change the record and manage who sees it.
    owner_until = models.DateField(null=True, blank=True)
    # The bases behind the row, for "Who can see this record": {basis: until} (consent.sections).
    bases = models.JSONField(default=dict, blank=True)
    restricted = models.BooleanField(default=False)
    sort_key = models.CharField(max_length=210)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "person"], name="person_access_unique")
        ]
        # Covering (INCLUDE, PostgreSQL only): the scope and the people list read the index alone, never
        # the table's pages, which at 1,000,000 people are scattered (docs/performance.md).
        indexes = [
            models.Index(
                fields=["agency", "visible_until", "person"],
                include=["restricted", "sort_key", "case_until", "owner_until"],
                name="person_access_lookup",
            ),
            models.Index(
                fields=["agency", "sort_key", "person"],
                include=["visible_until", "restricted"],
                name="person_access_sorted",
            ),
        ]


class RestrictedPersonUserPermission(UserObjectPermissionBase):
    """Named access to a restricted person (guardian, direct foreign key), for the user while they
    act for `agency` only: in their other agencies the grant gives nothing."""

    content_object = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, null=True, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(null=True, blank=True)


class EmergencyReason(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding concern for the person or someone else"
    AT_THE_COUNTER = "at_the_counter", "The person is with me and needs help now"
    RISK_TO_OTHERS = "risk_to_others", "Risk of harm to staff or the public"
    OTHER = "other", "Another urgent reason"


class EmergencyAccess(models.Model):
    """ "Break the glass": one user, acting for one agency, sees a person's identity and contact and
    the case owner's contact for a short time, found by an exact identifier. Flagged to the owning
    agency's managers and the user's own until one of them reviews it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="emergency_accesses"
    )
    identifier_kind = models.CharField(max_length=30)
    reason = models.CharField(max_length=20, choices=EmergencyReason.choices)
    detail = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # The agencies whose managers review it (with the user's own): the person's owners then.
    owner_agencies = models.ManyToManyField("agencies.Agency", related_name="+", blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["user", "person", "expires_at"], name="emergency_user_person"),
            models.Index(fields=["agency", "reviewed_at"], name="emergency_agency_review"),
        ]

    def __str__(self):
        return f"Emergency access {self.pk} by {self.user_id} to {self.person_id}"
