"""Custody and benefits: the EBSA's claim closures, matching-scan imports, pre-release advice,
Freshstart appointments, post-release claims and the Jobcentre's markers (DOMAIN.md §4)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from casework.validators import validate_ni_number
from consent import policy
from consent.sections import Section
from core.uploads import UploadValidator

HOUSING_BENEFIT_WEEKS = 13
RAPID_RECLAIM_DAYS = 26 * 7


class Benefit(models.TextChoices):
    UNIVERSAL_CREDIT = "universal_credit", "Universal Credit"
    JSA = "jsa", "Jobseeker's Allowance"
    ESA = "esa", "Employment and Support Allowance"
    INCOME_SUPPORT = "income_support", "Income Support"
    HOUSING_BENEFIT = "housing_benefit", "Housing Benefit"
    OTHER = "other", "Other"


class FoundBy(models.TextChoices):
    """How the claim in payment was found (the closure report's breakdown)."""

    EBSA_CASEWORK = "ebsa_casework", "EBSA casework (reception interview)"
    MATCHING_SCAN = "matching_scan", "Matching scan"
    BOTH = "both", "Both"
    PERSON_TOLD = "person_told", "Told by the person"
    OTHER = "other", "Other"


class ContactMethod(models.TextChoices):
    SECURE_EMAIL = "secure_email", "Secure email"
    PHONE = "phone", "Telephone"
    POST = "post", "Post"
    DWP_SYSTEM = "dwp_system", "DWP system referral"


class BenefitSurgery(models.Model):
    """A Jobcentre agency runs a benefit surgery at a prison establishment (the EBSA's workplace)."""

    jobcentre = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="benefit_surgeries"
    )
    establishment = models.ForeignKey(
        "agencies.Site", on_delete=models.PROTECT, related_name="benefit_surgeries"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["jobcentre", "establishment"], name="surgery_unique")
        ]

    def __str__(self):
        return f"{self.jobcentre} at {self.establishment}"


class BenefitDeliveryCentre(models.Model):
    """The directory of Benefit Delivery Centres that claim closures are sent to. Maintained by
    administrators (Django admin); no case data."""

    name = models.CharField(max_length=200, unique=True)
    secure_email = models.EmailField("secure email", max_length=254)
    phone = models.CharField(max_length=30)
    region = models.ForeignKey(
        "agencies.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True, help_text="Offered on new claim closures")

    class Meta:
        ordering = ["name"]
        verbose_name = "Benefit Delivery Centre"

    def __str__(self):
        return self.name


class ClaimClosureQuerySet(models.QuerySet):
    def for_user(self, user):
        """Jobcentre agencies that see the person's benefits, and the prison holding them."""
        return policy.scope_claim_closures(self, user)


class ClaimClosure(models.Model):
    """Benefits closed at reception (remand or sentence). One per person per reception."""

    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="claim_closures"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Jobcentre (EBSA) that owns the work",
    )
    establishment = models.ForeignKey("agencies.Site", on_delete=models.PROTECT, related_name="+")
    reception_date = models.DateField()
    benefits = models.JSONField(default=list, blank=True)
    found_by = models.CharField(max_length=20, choices=FoundBy.choices)
    identity_checked = models.BooleanField(default=False)
    national_insurance_number = models.CharField(
        max_length=13, blank=True, validators=[validate_ni_number]
    )
    bdc = models.ForeignKey(
        BenefitDeliveryCentre,
        verbose_name="Benefit Delivery Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closures",
    )
    benefit_delivery_centre = models.CharField(
        max_length=200, blank=True, help_text="Free text, from before the directory"
    )
    bdc_contact_method = models.CharField(
        "how the Benefit Delivery Centre was contacted",
        max_length=20,
        choices=ContactMethod.choices,
        blank=True,
    )
    received_on = models.DateField(
        null=True, blank=True, help_text="Reception notice received by the EBSA"
    )
    identified_on = models.DateField(
        null=True, blank=True, help_text="Benefits in payment identified"
    )
    sent_to_bdc_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(
        null=True, blank=True, help_text="Closure confirmed by the Benefit Delivery Centre"
    )
    claim_ended_on = models.DateField(
        "date the last claim ended",
        null=True,
        blank=True,
        help_text="The day the claim actually ended (usually the reception date), not the day the "
        "Benefit Delivery Centre confirmed it: rapid reclaim counts 26 weeks from this day",
    )
    suspected_overpayment = models.BooleanField(default=False)
    overpayment_amount = models.DecimalField(
        "amount overpaid (£)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    overpayment_from = models.DateField("overpayment period from", null=True, blank=True)
    overpayment_to = models.DateField("overpayment period to", null=True, blank=True)
    fraud_referred_on = models.DateField("date referred to the fraud team", null=True, blank=True)
    fraud_reference = models.CharField("fraud team reference", max_length=40, blank=True)
    home_centre_outside_region = models.BooleanField(
        "home benefit centre outside the region", default=False
    )
    housing_benefit_kept = models.BooleanField(
        default=False, help_text="Remand, or in custody under 13 weeks"
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimClosureQuerySet.as_manager()

    class Meta:
        ordering = ["reception_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reception_date"], name="closure_one_per_reception"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("reception_date")),
                name="closure_closed_after_reception",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(sent_to_bdc_on__isnull=False),
                name="closure_closed_needs_sent",
            ),
            models.CheckConstraint(
                condition=Q(overpayment_amount__isnull=True) | Q(overpayment_amount__gte=0),
                name="closure_overpayment_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(claim_ended_on__isnull=True)
                | Q(claim_ended_on__gte=F("reception_date")),
                name="closure_claim_ended_after_reception",
            ),
        ]
        indexes = [models.Index(fields=["agency", "closed_on"], name="closure_agency_open")]

    def __str__(self):
        return f"Claim closure {self.pk} for {self.person_id}"

    @property
    def turnaround_days(self) -> int | None:
        return (self.closed_on - self.reception_date).days if self.closed_on else None

    def benefit_labels(self) -> list[str]:
        return [Benefit(b).label for b in self.benefits if b in Benefit.values]

    @property
    def status(self) -> str:
        if self.closed_on:
            return "Closed"
        if self.sent_to_bdc_on:
            return "Sent to Benefit Delivery Centre"
        return "To do"

    @property
    def bdc_name(self) -> str:
        return self.bdc.name if self.bdc_id else self.benefit_delivery_centre


class ChaseOutcome(models.TextChoices):
    NO_REPLY = "no_reply", "No reply"
    IN_HAND = "in_hand", "In hand, closure to follow"
    NOT_RECEIVED = "not_received", "Not received: sent again"
    WRONG_CENTRE = "wrong_centre", "Wrong centre: sent elsewhere"
    CONFIRMED = "confirmed", "Closure confirmed"


class ClosureChaseQuerySet(models.QuerySet):
    def for_user(self, user):
        return policy.scope_closure_chases(self, user)


class ClosureChase(models.Model):
    """One chase of the Benefit Delivery Centre about a closure sent and not yet confirmed."""

    closure = models.ForeignKey(ClaimClosure, on_delete=models.CASCADE, related_name="chases")
    chased_on = models.DateField()
    method = models.CharField("how they were chased", max_length=20, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=20, choices=ChaseOutcome.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClosureChaseQuerySet.as_manager()

    class Meta:
        ordering = ["chased_on", "id"]


class ScanStatus(models.TextChoices):
    PARSING = "parsing", "Checking the file"
    PREVIEW = "preview", "Awaiting confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ScanKind(models.TextChoices):
    MATCHING_SCAN = "matching_scan", "Matching scan"
    RECEPTION_LIST = "reception_list", "Reception list"


def scan_upload_path(instance, filename):
    return f"scans/{instance.agency_id}/{filename}"


class ScanImport(models.Model):
    """One uploaded matching-scan file. Only the file (in storage, under MEDIA_ROOT/scans/) and the checked
    preview are kept until the EBSA confirms; the file goes after UPLOAD_RETENTION_DAYS (custody.retention).
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        max_length=20,
        choices=ScanKind.choices,
        default=ScanKind.MATCHING_SCAN,
        help_text="A DWP matching scan (benefits in payment) or a prison's reception list",
    )
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    upload = models.FileField(
        upload_to=scan_upload_path,
        max_length=200,
        blank=True,
        validators=[UploadValidator(kinds=("csv", "txt"), text_encodings=("utf-8", "cp1252"))],
    )
    upload_deleted_at = models.DateTimeField(null=True, blank=True)
    preview = models.JSONField(
        default=list, blank=True, help_text="The first rows as checked, for the preview page"
    )
    encoding = models.CharField(max_length=20, default="utf-8")
    status = models.CharField(max_length=10, choices=ScanStatus.choices, default=ScanStatus.PREVIEW)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(
        default=list, blank=True, help_text="Rows not imported, with the reason"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "sha256"],
                condition=Q(status__in=["queued", "running", "done"]),
                name="scan_file_imported_once",
            ),
        ]

    @property
    def percent(self) -> int:
        return (
            100
            if not self.total_rows
            else min(100, round(100 * self.processed_rows / self.total_rows))
        )


class ScanOutcome(models.TextChoices):
    ALREADY_RECORDED = "already_recorded", "Already recorded by the EBSA"
    NEW_WORK_ITEM = "new_work_item", "New work item"
    ON_WORKLIST = "on_worklist", "On the worklist: no claim closure yet"
    NO_MATCH = "no_match", "No match"


class ScanItemState(models.TextChoices):
    """A scan row that matched nobody is a work item for the EBSA: open until they find the person,
    add them, or dismiss it with a reason."""

    OPEN = "open", "To do"
    RESOLVED = "resolved", "Claim closure recorded"
    DISMISSED = "dismissed", "Dismissed"


class ScanItemDismissReason(models.TextChoices):
    NOT_HELD = "not_held", "Not held at our establishments"
    ALREADY_HANDLED = "already_handled", "Already dealt with outside Resettle"
    RELEASED = "released", "Released or transferred before the claim could be closed"
    ROW_WRONG = "row_wrong", "The row is wrong (for example a typing error in the scan)"


class ScanRow(models.Model):
    """One reconciled scan row. The row key is unique per agency, so no row is counted twice. A row
    that matched nobody keeps what the file said of the person and is an open work item."""

    scan = models.ForeignKey(ScanImport, on_delete=models.CASCADE, related_name="rows")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    row_key = models.CharField(max_length=64)
    line = models.PositiveIntegerField()
    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure = models.ForeignKey(
        ClaimClosure, on_delete=models.SET_NULL, null=True, blank=True, related_name="scan_rows"
    )
    national_insurance_number = models.CharField(max_length=13, blank=True)
    prison_number = models.CharField(max_length=10, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    reception_date = models.DateField()
    benefit = models.CharField(
        max_length=20, choices=Benefit.choices, blank=True, help_text="Blank on a reception list"
    )
    first_name = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=20, choices=ScanOutcome.choices)
    match_basis = models.CharField(
        max_length=100, blank=True, help_text="How the person was matched, e.g. NI number"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    benefit_delivery_centre = models.CharField(max_length=100, blank=True)
    item_state = models.CharField(
        max_length=10,
        choices=ScanItemState.choices,
        blank=True,
        help_text="Blank for rows that matched someone; otherwise the work item's state",
    )
    dismiss_reason = models.CharField(
        max_length=20, choices=ScanItemDismissReason.choices, blank=True
    )
    dismiss_note = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "row_key"], name="scan_row_once_per_agency")
        ]
        indexes = [
            models.Index(
                fields=["agency", "reception_date"],
                condition=Q(item_state="open"),
                name="scan_row_open_items",
            )
        ]

    @property
    def is_open_item(self) -> bool:
        return self.item_state == ScanItemState.OPEN


class ByPersonQuerySet(models.QuerySet):
    section = Section.BENEFITS

    def for_user(self, user, person=None):
        """`person`: only that person's rows (decided from their Access, no subquery)."""
        return policy.scope_by_person(self, user, section=self.section, person=person)


class FreshstartQuerySet(ByPersonQuerySet):
    section = Section.CUSTODY


class AdviceTopic(models.TextChoices):
    BENEFITS_ON_RELEASE = "benefits_on_release", "Benefits on release"
    RAPID_RECLAIM = "rapid_reclaim", "Rapid reclaim"
    BUDGETING_ADVANCE = "budgeting_advance", "Budgeting advance or social fund"
    HOUSING_COSTS = "housing_costs", "Housing costs"
    BANK_ACCOUNT = "bank_account", "Bank account"
    ID_DOCUMENTS = "id_documents", "ID documents"
    JOBCENTRE_OFFER = "jobcentre_offer", "The Jobcentre offer"
    OFFENDER_DECLARATION = "offender_declaration", "Declaring offender status"


class PreReleaseAdvice(models.Model):
    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="pre_release_advice"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    given_on = models.DateField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    topics = models.JSONField(default=list, blank=True)
    discussed = models.TextField(help_text="What was discussed")
    budgeting_advance_applied = models.BooleanField(default=False)
    social_fund_applied = models.BooleanField(default=False)
    jobcentre_offer_explained = models.BooleanField(default=False)
    offender_status_declared = models.BooleanField(default=False)
    declared_to = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ByPersonQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]

    def topic_labels(self) -> list[str]:
        return [AdviceTopic(t).label for t in self.topics if t in AdviceTopic.values]


class FreshstartAppointment(models.Model):
    """Booked before release at the release-area Jobcentre; attendance recorded by its work coach."""

    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="freshstart_appointments"
    )
    jobcentre = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="freshstart_appointments"
    )
    office = models.ForeignKey("agencies.Site", on_delete=models.PROTECT, related_name="+")
    appointment_at = models.DateTimeField()
    attended = models.BooleanField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FreshstartQuerySet.as_manager()

    class Meta:
        ordering = ["-appointment_at", "-id"]
        indexes = [
            models.Index(fields=["jobcentre", "appointment_at"], name="freshstart_jobcentre_at")
        ]

    @property
    def recorded_by(self):
        return self.attendance_recorded_by


class ClaimState(models.TextChoices):
    UNDECIDED = "undecided", "Claim made, not yet decided"
    AWAITING_PAYDAY = "awaiting_payday", "Decided, first payday not reached"
    PAID = "paid", "First payment made"


class UndecidedReason(models.TextChoices):
    NONE = "", "Not applicable"
    MISSING_PERSON_EVIDENCE = "missing_person_evidence", "Waiting for evidence from the person"
    OTHER = "other", "Waiting for the Jobcentre or another party"


class AdvanceOutcome(models.TextChoices):
    NOT_REQUESTED = "", "Not requested"
    ELIGIBLE = "eligible", "Meets the tests"
    REFUSED = "refused", "Does not meet the tests"


class PostReleaseClaim(models.Model):
    """The benefit claim after release: rapid reclaim, payment on account, and the finance gap."""

    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="post_release_claims"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    released_on = models.DateField()
    claim_made_on = models.DateField()
    benefit = models.CharField(max_length=20, choices=Benefit.choices)
    last_claim_ended_on = models.DateField(null=True, blank=True)
    circumstances_unchanged = models.BooleanField(default=False)
    rapid_reclaim = models.BooleanField(default=False)
    claim_state = models.CharField(
        max_length=20, choices=ClaimState.choices, default=ClaimState.UNDECIDED
    )
    undecided_reason = models.CharField(max_length=30, choices=UndecidedReason.choices, blank=True)
    advance_requested = models.BooleanField(default=False)
    likely_entitled = models.BooleanField(null=True, blank=True)
    in_financial_need = models.BooleanField(null=True, blank=True)
    advance_outcome = models.CharField(max_length=10, choices=AdvanceOutcome.choices, blank=True)
    advance_reason = models.CharField(max_length=300, blank=True)
    first_payment_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ByPersonQuerySet.as_manager()

    class Meta:
        ordering = ["-released_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim_made_on__gte=F("released_on")), name="claim_after_release"
            ),
            models.CheckConstraint(
                condition=Q(first_payment_on__isnull=True)
                | Q(first_payment_on__gte=F("released_on")),
                name="payment_after_release",
            ),
        ]

    @property
    def finance_gap_days(self) -> int | None:
        return (self.first_payment_on - self.released_on).days if self.first_payment_on else None


class MarkerKind(models.TextChoices):
    OFFENDER = "offender", "Offender marker"
    DRUG = "drug", "Drug marker"
    ALCOHOL = "alcohol", "Alcohol marker"


JOBCENTRE_ONLY_MARKERS = (MarkerKind.DRUG, MarkerKind.ALCOHOL)


class MarkerQuerySet(models.QuerySet):
    def for_user(self, user):
        """Drug and alcohol markers never leave the Jobcentre that set them."""
        return policy.scope_markers(self, user)

    def live(self, on: datetime.date | None = None):
        """Not ended, not past 12 months, and the consent behind it still live (computed here, so a
        lapsed consent ends the marker on the next request)."""
        on = on or policy.today()
        return self.filter(
            Q(consent__expires_on__isnull=True) | Q(consent__expires_on__gte=on),
            ended_on__isnull=True,
            expires_on__gt=on,
            consent__withdrawn_on__isnull=True,
        )


class MarkerEndReason(models.TextChoices):
    EXPIRED = "expired", "Ended after 12 months"
    CONSENT_WITHDRAWN = "consent_withdrawn", "The person withdrew the consent it relied on"
    CONSENT_EXPIRED = "consent_expired", "The consent it relied on expired"
    ENDED = "ended", "Ended by the Jobcentre"


class Marker(models.Model):
    """A Jobcentre marker, set only with consent; it lapses 12 months after it is set."""

    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="jobcentre_markers"
    )
    jobcentre = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MarkerKind.choices)
    consent = models.ForeignKey("consent.ConsentRecord", on_delete=models.PROTECT, related_name="+")
    set_on = models.DateField()
    expires_on = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=MarkerEndReason.choices, blank=True)
    end_note = models.TextField(blank=True, help_text="Why it was ended, when ended by hand")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = MarkerQuerySet.as_manager()

    class Meta:
        ordering = ["-set_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "jobcentre", "kind"],
                condition=Q(ended_on__isnull=True),
                name="marker_one_live_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("set_on")), name="marker_expires_after_set"
            ),
        ]
