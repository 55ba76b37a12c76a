from django.conf import settings
from django.db import models
from django.db.models import F, Q

from casework.validators import validate_crn, validate_ni_number, validate_prison_number
from consent import policy
from consent.sections import Section, SensitivePart


class PersonQuerySet(models.QuerySet):
    def for_user(self, user, section=None):
        """People the acting agency sees any part of (or `section` of, when given)."""
        return policy.scope_people(self, user, section)


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other or prefer not to say"


class AccommodationStatus(models.TextChoices):
    SETTLED = "settled", "Settled"
    TEMPORARY = "temporary", "Temporary or supported"
    NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"
    IN_CUSTODY = "in_custody", "In custody"
    UNKNOWN = "unknown", "Not known"


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNEMPLOYED = "unemployed", "Unemployed"
    IN_TRAINING = "in_training", "In education or training"
    NOT_AVAILABLE = "not_available", "Not available for work (custody, sickness)"
    UNKNOWN = "unknown", "Not known"


class BenefitStatus(models.TextChoices):
    CLAIMING = "claiming", "Claiming"
    NOT_CLAIMING = "not_claiming", "Not claiming"
    CLOSED_AT_RECEPTION = "closed_at_reception", "Claim closed at reception"
    UNKNOWN = "unknown", "Not known"


class Person(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    aliases = models.CharField(
        max_length=300, blank=True, help_text="Other names used, separated by commas"
    )
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    national_insurance_number = models.CharField(
        max_length=13, blank=True, validators=[validate_ni_number]
    )
    prison_number = models.CharField(max_length=10, blank=True, validators=[validate_prison_number])
    crn = models.CharField(
        "case reference number (CRN)", max_length=10, blank=True, validators=[validate_crn]
    )
    home_area = models.CharField(max_length=100, blank=True)
    release_area = models.CharField(max_length=100, blank=True)
    identity_verified_on = models.DateField(null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bank_account_held = models.BooleanField(default=False)
    id_documents_held = models.BooleanField(default=False)
    accommodation_status = models.CharField(
        max_length=20, choices=AccommodationStatus.choices, default=AccommodationStatus.UNKNOWN
    )
    employment_status = models.CharField(
        max_length=20, choices=EmploymentStatus.choices, default=EmploymentStatus.UNKNOWN
    )
    benefit_status = models.CharField(
        max_length=20, choices=BenefitStatus.choices, default=BenefitStatus.UNKNOWN
    )
    restricted = models.BooleanField(
        default=False, help_text="Limited access: only named users may see this person"
    )
    restricted_reason = models.TextField(blank=True, help_text="Why the record is restricted")
    restricted_at = models.DateTimeField(null=True, blank=True)
    created_by_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Sees the person until a case is opened for them",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        permissions = [(policy.RESTRICTED_PERMISSION, "May see this restricted person")]
        indexes = [
            models.Index(fields=["crn"], name="person_crn"),
            # Covering: the incoming-referral rule checks these two flags per referral from the index.
            models.Index(
                fields=["id"], include=["restricted", "anonymised_at"], name="person_withheld_flags"
            ),
            models.Index(fields=["prison_number"], name="person_prison_number"),
            models.Index(fields=["national_insurance_number"], name="person_nino"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class OffenderGroup(models.TextChoices):
    COMMUNITY = "community", "Community order or suspended sentence"
    SHORT_CUSTODY = "short_custody", "Custody under 12 months"
    LONG_CUSTODY = "long_custody", "Custody 12 months or more"
    REMAND = "remand", "Remand"


class SupportLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class PossibleDuplicate(models.Model):
    """A new record whose identifier (CRN, prison number or NI number) is already on a record its
    agency cannot see: kept for an administrator to check, without telling the user anything of
    the other record."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    basis = models.CharField(max_length=100, help_text="The identifiers both records hold")
    found_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="possible_duplicate_once")
        ]

    def __str__(self):
        return f"Person {self.person_id} may be person {self.other_id} ({self.basis})"


class Stage(models.TextChoices):
    RECEPTION = "reception", "Reception"
    IN_CUSTODY = "in_custody", "In custody"
    PRE_RELEASE = "pre_release", "Pre-release"
    RELEASED = "released", "Released"
    IN_COMMUNITY = "in_community", "In the community"
    IN_WORK = "in_work", "In work"


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed"
    MOVED_AWAY = "moved_away", "Moved away"
    DISENGAGED = "disengaged", "Disengaged"
    RECALLED = "recalled", "Recalled or re-offended"
    DIED = "died", "Died"
    OTHER = "other", "Other"


class LadderStep(models.TextChoices):
    """The progression ladder (002 Table A.1). Journeys may go backwards."""

    PRE_EMPLOYMENT = "pre_employment", "Pre-employment"
    SESSIONAL = "sessional", "Sessional"
    INTERMEDIATE = "intermediate", "Intermediate"
    SUPPORTED = "supported", "Supported"
    TRIAL = "trial", "Trial"
    SUSTAINED = "sustained", "Sustained"


class CaseQuerySet(models.QuerySet):
    def for_user(self, user, person=None):
        """`person`: only that person's cases (decided from their Access, no subquery)."""
        return policy.scope_by_person(self, user, section=Section.CASE, person=person)

    def open(self):
        return self.filter(end_date__isnull=True)


class Case(models.Model):
    """One episode of support for a person, owned by one agency; others may be involved in parallel."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    owning_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="owned_cases"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
        help_text="The caseworker responsible",
    )
    site = models.ForeignKey(
        "agencies.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    offender_group = models.CharField(max_length=20, choices=OffenderGroup.choices)
    support_level = models.CharField(max_length=10, choices=SupportLevel.choices)
    support_level_at_start = models.CharField(
        max_length=10,
        choices=SupportLevel.choices,
        null=True,
        blank=True,
        help_text="The level when support started, used by every outcome; later changes are CaseEvents",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)
    start_date = models.DateField()
    planned_end_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    ladder_step = models.CharField(
        max_length=20,
        choices=LadderStep.choices,
        blank=True,
        help_text="Current progression ladder step; the history is in CaseEvent",
    )
    # The person's surname and given name (consent.policy.sort_key_for), kept in step by
    # refresh_person_access: the caseload walks (owning agency, sort_key) in index order.
    sort_key = models.CharField(max_length=210, default="", editable=False)
    # The latest contact (a case note's date or an attended appointment's), kept by
    # services.refresh_last_contact: My work finds cases without recent contact from an index.
    last_contact_on = models.DateField(null=True, blank=True, editable=False)
    # Who manages the person (001 §3.1: most people serving under 12 months have none). No name
    # means "none allocated"; the agency and contact are free text (an offender manager may work
    # for a probation service that does not use Resettle). db_default: the bulk loader's COPY.
    offender_manager_name = models.CharField(max_length=100, blank=True, db_default="")
    offender_manager_agency = models.CharField(max_length=150, blank=True, db_default="")
    offender_manager_contact = models.CharField(
        max_length=200, blank=True, db_default="", help_text="Phone number or email address"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["owning_agency", "end_date", "stage"], name="case_caseload"),
            # Open cases only, in caseload order, covering what its filters and scope read: a caseload page
            # walks 25 index entries instead of sorting the agency's thousands (docs/performance.md).
            models.Index(
                fields=["owning_agency", "sort_key", "id"],
                include=["person", "owner", "stage", "support_level", "start_date"],
                condition=models.Q(end_date__isnull=True),
                name="case_open_caseload",
            ),
            models.Index(fields=["owner", "end_date"], name="case_owner"),
            # case_open_last_contact (My work's "no contact" list, oldest contact or none first) needs
            # NULLS FIRST, which SQLite cannot index: migration 0006 creates it on PostgreSQL only.
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=F("start_date")),
                name="case_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="case_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | ~Q(end_reason=""), name="case_end_needs_reason"
            ),
        ]

    def __str__(self):
        return f"Case {self.pk} for {self.person}"

    @property
    def is_open(self):
        return self.end_date is None

    @property
    def has_offender_manager(self) -> bool:
        return bool(self.offender_manager_name)


class SentenceType(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED = "suspended_sentence", "Suspended sentence"
    CUSTODIAL = "custodial", "Custodial sentence"
    REMAND = "remand", "Remand"
    UNPAID_WORK = "unpaid_work", "Unpaid work"


class ReleaseType(models.TextChoices):
    END_OF_SENTENCE = "end_of_sentence", "End of sentence"
    LICENCE = "licence", "On licence"
    FROM_COURT = "from_court", "From court"


class SentenceEpisodeQuerySet(models.QuerySet):
    def for_user(self, user, person=None):
        """`person`: only that person's sentences (decided from their Access, no subquery)."""
        return policy.scope_by_person(self, user, section=Section.CUSTODY, person=person)


class SentenceEpisode(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sentences")
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="sentences"
    )
    sentence_type = models.CharField(max_length=20, choices=SentenceType.choices)
    length_months = models.PositiveIntegerField(null=True, blank=True)
    sentence_date = models.DateField(null=True, blank=True)
    reception_date = models.DateField(null=True, blank=True)
    establishment = models.ForeignKey(
        "agencies.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expected_release_date = models.DateField(null=True, blank=True)
    actual_release_date = models.DateField(null=True, blank=True)
    release_type = models.CharField(max_length=20, choices=ReleaseType.choices, blank=True)
    offence_summary = models.TextField(
        blank=True, help_text="Sensitive: shown only to the owning agency and consented recipients"
    )
    version = models.PositiveIntegerField(default=1)

    objects = SentenceEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-reception_date", "-sentence_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_release_date__isnull=True)
                | Q(reception_date__isnull=True)
                | Q(actual_release_date__gte=F("reception_date")),
                name="sentence_release_after_reception",
            ),
            models.CheckConstraint(
                condition=Q(expected_release_date__isnull=True)
                | Q(reception_date__isnull=True)
                | Q(expected_release_date__gte=F("reception_date")),
                name="sentence_expected_release_after_reception",
            ),
        ]


class LeadAgencyPeriod(models.Model):
    """The lead agency of a case, as a dated history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_periods")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="one_current_lead_agency"
            )
        ]


# --- Case lifecycle ---------------------------------------------------------------------------


class CaseEventKind(models.TextChoices):
    STAGE = "stage", "Stage changed"
    LADDER = "ladder", "Progression ladder step"
    CLOSED = "closed", "Case closed"
    REOPENED = "reopened", "Case reopened"
    LEAD = "lead", "Lead agency changed"
    SUPPORT_LEVEL = "support_level", "Support level changed"
    OFFENDER_MANAGER = "offender_manager", "Offender manager changed"


class CaseScopedQuerySet(models.QuerySet):
    """Rows hanging off a case: visible while the acting agency sees their section of the person."""

    section = Section.CASE

    def for_user(self, user, person=None):
        """`person`: only that person's rows (decided from their Access, no subquery)."""
        return policy.scope_by_person(
            self, user, person_field="case__person", section=self.section, person=person
        )


class AssessmentQuerySet(CaseScopedQuerySet):
    section = Section.ASSESSMENT


class PlanQuerySet(CaseScopedQuerySet):
    section = Section.PLAN


class ReleasePlanQuerySet(CaseScopedQuerySet):
    section = Section.CUSTODY


class CaseNoteQuerySet(CaseScopedQuerySet):
    section = Section.NOTES

    def for_user(self, user):
        """Notes; a sensitive note only for an agency that sees its sensitive part."""
        return policy.scope_sensitive_notes(self, user)


class HandoffQuerySet(CaseScopedQuerySet):
    def for_user(self, user):
        """The two agencies of a hand-off see it while they see the person; others need the case section."""
        acting = policy.acting_of(user)
        seen = policy.scope_by_person(self, user, person_field="case__person")
        if acting is None:
            return seen
        parties = Q(from_agency_id=acting.agency_id) | Q(to_agency_id=acting.agency_id)
        with_case = super().for_user(user).values("pk")
        return seen.filter(parties | Q(pk__in=with_case))


class CaseEvent(models.Model):
    """A dated change in the life of a case: stage, ladder step, close, reopen, lead agency."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    from_value = models.CharField(max_length=40, blank=True)
    to_value = models.CharField(max_length=40, blank=True)
    on = models.DateField()
    reason = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["case", "kind", "on"], name="case_event_kind")]

    def value_label(self, value):
        choices = {CaseEventKind.STAGE: Stage, CaseEventKind.LADDER: LadderStep}.get(self.kind)
        if choices and value in choices.values:
            return choices(value).label
        return value

    @property
    def from_label(self):
        return self.value_label(self.from_value)

    @property
    def to_label(self):
        return self.value_label(self.to_value)


# --- Assessment ---------------------------------------------------------------------------------


class NeedArea(models.TextChoices):
    """The ten areas of the needs assessment (DOMAIN.md §3, decision)."""

    ACCOMMODATION = "accommodation", "Accommodation"
    ETE = "education_training_employment", "Education, training and employment"
    LITERACY = "literacy_numeracy", "Literacy and numeracy"
    HEALTH = "health", "Health (including mental health)"
    DRUGS = "drugs", "Drugs"
    ALCOHOL = "alcohol", "Alcohol"
    FINANCE = "finance_benefit_debt", "Finance, benefit and debt"
    FAMILY = "children_families", "Children and families"
    ATTITUDES = "attitudes_thinking_behaviour", "Attitudes, thinking and behaviour"
    ID_BANK = "id_bank_account", "ID documents and bank account"


NO_NEEDS = "none"
SELF_REPORTED_NEED_CHOICES = [*NeedArea.choices, (NO_NEEDS, "None: no help needed")]
SELF_REPORTED_NEED_CODES = [code for code, _label in SELF_REPORTED_NEED_CHOICES]


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


RAG_SCORE = {Rag.RED: 1, Rag.AMBER: 2, Rag.GREEN: 3}


class WorkReadiness(models.TextChoices):
    READY = "ready_to_work", "Ready to work"
    SUPPORT_NEEDED = "support_needed", "Support needed"
    SUPPORT_DECLINED = "support_declined", "Support declined"
    NO_RIGHT_TO_WORK = "no_right_to_work", "No right to work"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class Assessment(models.Model):
    """One needs assessment. Every reassessment is a new row, so distance travelled can be shown."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    ratings = models.JSONField(default=dict, help_text="{area: red|amber|green}")
    area_notes = models.JSONField(default=dict, blank=True, help_text="{area: note}")
    confident_writing_name = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    confident_writing_address = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    confident_writing_phone = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    work_readiness = models.CharField(max_length=20, choices=WorkReadiness.choices)
    self_reported_needs = models.TextField(
        blank=True, help_text="In the person's own words, apart from the professional view"
    )
    # The same needs as a coded list (the need areas, or "none" alone), so that the shares the
    # sources publish (003 I.A) can be counted: casework.models.SELF_REPORTED_NEED_CODES.
    self_reported_need_codes = models.JSONField(default=list, blank=True)
    convictions_spent = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    disclosure_advice_given = models.BooleanField(default=False)
    disclosure_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["assessed_on", "id"]
        indexes = [models.Index(fields=["case", "assessed_on"], name="assessment_case_on")]

    def rating_rows(self):
        """(area, label, rating, note) for each need area; an assessment read for an agency that
        may not see some areas (casework.selectors.assessments_for_case) leaves them out."""
        shown = getattr(self, "visible_areas", None)
        return [
            (area, label, self.ratings.get(area, ""), self.area_notes.get(area, ""))
            for area, label in NeedArea.choices
            if shown is None or area in shown
        ]

    def self_reported_need_labels(self) -> list[str]:
        """The coded needs as labels, without the areas the reader may not see (visible_areas)."""
        shown = getattr(self, "visible_areas", None)
        labels = dict(SELF_REPORTED_NEED_CHOICES)
        return [
            labels[code]
            for code in self.self_reported_need_codes or []
            if code in labels and (shown is None or code == NO_NEEDS or code in shown)
        ]

    @property
    def skills_screen(self):
        return [
            ("Writing their name", self.get_confident_writing_name_display()),
            ("Writing their address", self.get_confident_writing_address_display()),
            ("Writing their phone number", self.get_confident_writing_phone_display()),
        ]


# --- Action plan -------------------------------------------------------------------------------


class Goal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=300)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # a goal set by mistake or no longer pursued is cancelled, not deleted (its actions keep it)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.description


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"


OPEN_ACTION_STATUSES = [ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS]


class PlanActionQuerySet(PlanQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ACTION_STATUSES)

    def overdue(self, on):
        return self.open().filter(due_date__lt=on)


class PlanAction(models.Model):
    """One action in the plan, owned by an agency (and optionally a named person there)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = models.CharField(max_length=300)
    owner_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_actions",
    )
    sequence = models.PositiveIntegerField(default=1)
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    status_changed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["sequence", "due_date", "id"]
        indexes = [
            models.Index(fields=["owner_agency", "status", "due_date"], name="action_agency_due"),
            models.Index(fields=["case", "sequence"], name="action_case_seq"),
        ]

    def __str__(self):
        return self.description

    @property
    def is_open(self):
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, on=None):
        return self.is_open and self.due_date < (on or policy.today())


class AppointmentKind(models.TextChoices):
    PROBATION = "probation", "Probation"
    SIGNING_ON = "signing_on", "Signing on"
    PROVIDER = "provider", "Provider"
    OTHER = "other", "Other"


class Appointment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    at = models.DateTimeField()
    where = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    attended = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="appointment_case_at")]


# --- Case notes --------------------------------------------------------------------------------


class NoteType(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    PHONE = "phone", "Phone"
    LETTER = "letter", "Letter"
    OTHER_AGENCY = "other_agency", "Contact with another agency"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    note_type = models.CharField(max_length=20, choices=NoteType.choices)
    contact_on = models.DateField()
    body = models.TextField()
    sensitive = models.BooleanField(
        default=False, help_text="Offence, health or substance misuse details"
    )
    # Which sensitive part the note is about: only agencies that see that part see the note.
    sensitive_part = models.CharField(max_length=10, choices=SensitivePart.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-contact_on", "-id"]
        indexes = [models.Index(fields=["case", "contact_on"], name="note_case_on")]


# --- Custody -----------------------------------------------------------------------------------


class EstablishmentTransferQuerySet(models.QuerySet):
    def for_user(self, user):
        return policy.scope_by_person(
            self, user, person_field="sentence__person", section=Section.CUSTODY
        )


class EstablishmentTransfer(models.Model):
    """A move between establishments during a sentence (dated history)."""

    sentence = models.ForeignKey(
        SentenceEpisode, on_delete=models.CASCADE, related_name="transfers"
    )
    from_establishment = models.ForeignKey(
        "agencies.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_establishment = models.ForeignKey(
        "agencies.Site", on_delete=models.PROTECT, related_name="+"
    )
    transferred_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EstablishmentTransferQuerySet.as_manager()

    class Meta:
        ordering = ["transferred_on", "id"]


class ReleasePlan(models.Model):
    """The pre-release checklist for a case (Freshstart comes from the custody app)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="release_plan")
    release_address = models.TextField(blank=True)
    id_documents_ready = models.BooleanField(default=False)
    bank_account_ready = models.BooleanField(default=False)
    accommodation_screened_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReleasePlanQuerySet.as_manager()


class HandoffStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be accepted"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class ReleaseHandoff(models.Model):
    """Hand-off of a case to the release-area agency. Stays open until someone there accepts it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs")
    from_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="handoffs_in"
    )
    to_site = models.ForeignKey(
        "agencies.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(
        blank=True, help_text="Why the receiving agency could not take the case"
    )

    objects = HandoffQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["to_agency", "status"], name="handoff_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_handoff_per_case"
            )
        ]


# --- History of the details data completeness reads ---------------------------------------------


class DetailField(models.TextChoices):
    SITE = "site", "Site"
    OWNER = "owner", "Caseworker"
    EMPLOYMENT_STATUS = "employment_status", "Employment status"
    BENEFIT_STATUS = "benefit_status", "Benefit status"
    ACCOMMODATION_STATUS = "accommodation_status", "Accommodation status"


PERSON_DETAIL_FIELDS = (
    DetailField.EMPLOYMENT_STATUS,
    DetailField.BENEFIT_STATUS,
    DetailField.ACCOMMODATION_STATUS,
)
CASE_DETAIL_FIELDS = (DetailField.SITE, DetailField.OWNER)


class DetailChange(models.Model):
    """One change of a detail that data completeness reads (a person's statuses, a case's site and
    caseworker), with the value before and after: a report of a past period reads each value as it
    stood at the period end (the earliest later change's `from_value`, or the latest earlier change's
    `to_value`), so rebuilding it gives the same figure. Ids are kept as text, "" for none."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="detail_changes")
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="detail_changes"
    )
    field = models.CharField(max_length=30, choices=DetailField.choices)
    from_value = models.CharField(max_length=40, blank=True)
    to_value = models.CharField(max_length=40, blank=True)
    on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        indexes = [
            models.Index(fields=["person", "field", "on"], name="detail_change_person"),
            models.Index(fields=["case", "field", "on"], name="detail_change_case"),
        ]

    def __str__(self):
        return f"{self.field}: {self.from_value} -> {self.to_value} on {self.on}"


# --- Risk and licence (sensitive: the offence part) ----------------------------------------------


class RiskLicenceQuerySet(models.QuerySet):
    def for_user(self, user):
        """Risk and licence belong to the sensitive section's offence part (consent.policy)."""
        return policy.scope_risk(self, user, person_field="case__person")


class RoshLevel(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class MappaCategory(models.TextChoices):
    NONE = "", "Not a MAPPA case"
    ONE = "1", "Category 1"
    TWO = "2", "Category 2"
    THREE = "3", "Category 3"


class MappaLevel(models.TextChoices):
    NONE = "", "No level"
    ONE = "1", "Level 1"
    TWO = "2", "Level 2"
    THREE = "3", "Level 3"


class RiskLicence(models.Model):
    """Risk of serious harm, MAPPA, and the licence conditions that affect work, for one case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="risk_licence")
    rosh_level = models.CharField(
        "risk of serious harm",
        max_length=20,
        choices=RoshLevel.choices,
        default=RoshLevel.NOT_ASSESSED,
    )
    mappa_category = models.CharField(
        max_length=1, choices=MappaCategory.choices, blank=True, default=""
    )
    mappa_level = models.CharField(max_length=1, choices=MappaLevel.choices, blank=True, default="")
    licence_ends_on = models.DateField(null=True, blank=True)
    exclusion_zones = models.JSONField(
        default=list, blank=True, help_text="Places the person must not enter (towns or areas)"
    )
    curfew_from = models.TimeField(null=True, blank=True)
    curfew_until = models.TimeField(null=True, blank=True)
    no_work_with_children = models.BooleanField(default=False)
    no_work_with_vulnerable_adults = models.BooleanField(default=False)
    disclosure_required = models.BooleanField(
        default=False, help_text="The licence requires disclosure to an employer"
    )
    notes = models.TextField(blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = RiskLicenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(mappa_level="") | ~Q(mappa_category=""),
                name="risk_mappa_level_needs_category",
                violation_error_message="Select a MAPPA category before a MAPPA level",
            ),
            models.CheckConstraint(
                condition=Q(curfew_from__isnull=True, curfew_until__isnull=True)
                | Q(curfew_from__isnull=False, curfew_until__isnull=False),
                name="risk_curfew_both_times",
                violation_error_message="Enter both curfew times, or neither",
            ),
        ]

    @property
    def has_work_conditions(self) -> bool:
        return bool(
            self.exclusion_zones
            or self.curfew_from
            or self.no_work_with_children
            or self.no_work_with_vulnerable_adults
            or self.disclosure_required
        )

    @property
    def mappa_text(self) -> str:
        if not self.mappa_category:
            return "Not a MAPPA case"
        level = f", level {self.mappa_level}" if self.mappa_level else ", level not set"
        return f"Category {self.mappa_category}{level}"

    @property
    def curfew_text(self) -> str:
        if self.curfew_from is None:
            return ""
        return f"{self.curfew_from:%H:%M} to {self.curfew_until:%H:%M}"

    def work_conditions(self) -> list[str]:
        """The licence conditions that affect work, in plain words."""
        lines = []
        if self.exclusion_zones:
            lines.append("Must not enter " + ", ".join(self.exclusion_zones))
        if self.curfew_from is not None:
            lines.append(f"Curfew {self.curfew_text}")
        if self.no_work_with_children:
            lines.append("No work with children")
        if self.no_work_with_vulnerable_adults:
            lines.append("No work with vulnerable adults")
        if self.disclosure_required:
            lines.append("Must disclose convictions to an employer")
        return lines


# --- Qualifications and training (the action plan section) ---------------------------------------


class QualificationLevel(models.TextChoices):
    ENTRY = "entry", "Entry level"
    L1 = "1", "Level 1"
    L2 = "2", "Level 2"
    L3 = "3", "Level 3"
    L4 = "4", "Level 4"
    L5 = "5", "Level 5"
    L6 = "6", "Level 6"
    L7 = "7", "Level 7"
    L8 = "8", "Level 8"
    NOT_KNOWN = "not_known", "Not known"


class QualificationStatus(models.TextChoices):
    HELD = "held", "Held before support started"
    GAINED = "gained", "Gained during support"


class Qualification(models.Model):
    """A qualification the person holds or gained, optionally linked to an action plan goal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="qualifications")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="qualifications"
    )
    status = models.CharField(max_length=10, choices=QualificationStatus.choices)
    subject = models.CharField(max_length=200)
    level = models.CharField(max_length=10, choices=QualificationLevel.choices)
    awarding_body = models.CharField(max_length=150, blank=True)
    achieved_on = models.DateField(null=True, blank=True)
    accredited = models.BooleanField(default=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-achieved_on", "-id"]
        indexes = [models.Index(fields=["case", "status"], name="qualification_case")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="gained") | Q(achieved_on__isnull=False),
                name="qualification_gained_has_date",
                violation_error_message="Enter the date a gained qualification was achieved",
            )
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.subject}"


class CourseOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Did not complete"


class Course(models.Model):
    """A course or training started (and completed or not), optionally linked to a goal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="courses")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses"
    )
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=150, blank=True, help_text="Who runs the course")
    accredited = models.BooleanField(default=False)
    started_on = models.DateField()
    outcome = models.CharField(
        max_length=20, choices=CourseOutcome.choices, default=CourseOutcome.IN_PROGRESS
    )
    ended_on = models.DateField(null=True, blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["case", "started_on"], name="course_case_started")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="course_ends_after_start",
                violation_error_message="The end date must be on or after the start date",
            ),
            models.CheckConstraint(
                condition=Q(outcome="in_progress", ended_on__isnull=True)
                | (~Q(outcome="in_progress") & Q(ended_on__isnull=False)),
                name="course_outcome_has_end",
                violation_error_message="A finished course needs an end date (and an open one none)",
            ),
        ]

    def __str__(self):
        return self.title


# --- Accommodation outcome at release and three months after (the custody and release section) ---


class AccommodationPoint(models.TextChoices):
    AT_RELEASE = "at_release", "On release"
    THREE_MONTHS = "three_months", "Three months after release"


class AccommodationOutcomeStatus(models.TextChoices):
    SETTLED = "settled", "Settled"
    TEMPORARY = "temporary", "Temporary or supported"
    ROUGH_SLEEPING = "rough_sleeping", "Rough sleeping"
    UNKNOWN = "unknown", "Not known"


class AccommodationOutcome(models.Model):
    """Where the person lives on release and three months later: an outcome, one per point."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accommodation_outcomes")
    point = models.CharField(max_length=20, choices=AccommodationPoint.choices)
    status = models.CharField(max_length=20, choices=AccommodationOutcomeStatus.choices)
    as_at = models.DateField(help_text="The release date, or three months after it")
    note = models.TextField(blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ReleasePlanQuerySet.as_manager()

    class Meta:
        ordering = ["as_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "point"], name="one_accommodation_outcome_per_point"
            )
        ]
        indexes = [models.Index(fields=["as_at"], name="accommodation_outcome_as_at")]
