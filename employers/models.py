"""Employers (shared between agencies), vacancies, and the person's side of getting and keeping work.

Employer, EmployerContact and Vacancy are not personal data: every staff member sees them.
Everything that belongs to a person (preferences, disclosure choices, applications, employment
spells, retention checks, feedback about a person) is read through `for_user`, which calls the
single access policy.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from casework.validators import validate_postcode
from consent import policy
from consent.sections import Section


class Sector(models.TextChoices):
    CONSTRUCTION = "construction", "Construction"
    HOSPITALITY = "hospitality", "Hospitality and catering"
    RETAIL = "retail", "Retail"
    WAREHOUSING = "warehousing", "Warehousing and logistics"
    MANUFACTURING = "manufacturing", "Manufacturing"
    CLEANING = "cleaning", "Cleaning and facilities"
    CARE = "care", "Health and social care"
    TRANSPORT = "transport", "Transport and driving"
    HORTICULTURE = "horticulture", "Horticulture and grounds"
    OFFICE = "office", "Office and administration"
    OTHER = "other", "Other"


class SizeBand(models.TextChoices):
    MICRO = "micro", "Micro (1 to 9 staff)"
    SMALL = "small", "Small (10 to 49 staff)"
    MEDIUM = "medium", "Medium (50 to 249 staff)"
    LARGE = "large", "Large (250 staff or more)"


class EngagementLevel(models.TextChoices):
    AWARE = "aware", "Aware"
    ENGAGED = "engaged", "Engaged"
    COMMITTED = "committed", "Committed"


class Employer(models.Model):
    """An employer, shared by every agency (employer records are not personal data)."""

    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    engagement_level = models.CharField(
        max_length=10, choices=EngagementLevel.choices, default=EngagementLevel.AWARE
    )
    alliance_level = models.PositiveSmallIntegerField(
        "Corporate Alliance level",
        null=True,
        blank=True,
        help_text="1 to 3 for members of the reducing re-offending Corporate Alliance",
    )
    lep_member = models.BooleanField("Local Employment Partnership member", default=False)
    guaranteed_interviews = models.BooleanField("Offers guaranteed interviews", default=False)
    fidelity_bonds = models.BooleanField("Uses fidelity bonds", default=False)
    owning_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="employers"
    )
    contact_name = models.CharField("Named contact", max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["town", "sector"], name="employer_town_sector")]
        constraints = [
            models.CheckConstraint(
                condition=Q(alliance_level__isnull=True)
                | Q(alliance_level__gte=1, alliance_level__lte=3),
                name="employer_alliance_level_1_to_3",
                violation_error_message="Corporate Alliance level must be 1, 2 or 3",
            ),
        ]

    def __str__(self):
        return self.name


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "Email"
    VISIT = "visit", "Visit"
    MEETING = "meeting", "Meeting"
    EVENT = "event", "Event or job fair"


class EmployerContact(models.Model):
    """One approach to an employer. The log is visible to every agency (002 §B.3.3)."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contacted_on = models.DateField()
    method = models.CharField(max_length=10, choices=ContactMethod.choices)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-id"]
        indexes = [
            models.Index(fields=["employer", "-contacted_on"], name="employer_contact_recent")
        ]


class DisclosureLevel(models.TextChoices):
    NONE = "none", "None"
    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard DBS"
    ENHANCED = "enhanced", "Enhanced DBS"


DISCLOSURE_ORDER = {
    DisclosureLevel.NONE: 0,
    DisclosureLevel.BASIC: 1,
    DisclosureLevel.STANDARD: 2,
    DisclosureLevel.ENHANCED: 3,
}


class ContractType(models.TextChoices):
    PERMANENT = "permanent", "Permanent"
    TEMPORARY = "temporary", "Temporary"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    APPRENTICESHIP = "apprenticeship", "Apprenticeship"
    PAID_WORK_EXPERIENCE = "paid_work_experience", "Paid work experience"
    UNPAID_WORK_EXPERIENCE = "unpaid_work_experience", "Unpaid work experience or volunteering"


class VacancyQuerySet(models.QuerySet):
    def open_on(self, day: datetime.date):
        return self.filter(Q(closing_date__isnull=True) | Q(closing_date__gte=day))


class Vacancy(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="vacancies")
    title = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    pay = models.CharField(max_length=100, blank=True, help_text="For example, £12.21 an hour")
    contract_type = models.CharField(
        max_length=30, choices=ContractType.choices, default=ContractType.PERMANENT
    )
    closing_date = models.DateField(null=True, blank=True)
    disclosure_level = models.CharField(
        max_length=10, choices=DisclosureLevel.choices, default=DisclosureLevel.NONE
    )
    exclusions = models.JSONField(
        default=list, blank=True, help_text="Offence types the employer cannot accept"
    )
    created_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VacancyQuerySet.as_manager()

    class Meta:
        ordering = ["closing_date", "title", "id"]
        verbose_name_plural = "vacancies"
        indexes = [models.Index(fields=["closing_date"], name="vacancy_closing")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True)
                | Q(hours_per_week__gt=0, hours_per_week__lte=80),
                name="vacancy_hours_range",
                violation_error_message="Hours a week must be between 1 and 80",
            )
        ]

    def __str__(self):
        return f"{self.title} at {self.employer}"


class PersonScopedQuerySet(models.QuerySet):
    """Employment records: seen with the employment section of the person's record."""

    person_field = "person"

    def for_user(self, user, person=None):
        """`person`: only that person's rows (decided from their Access, no subquery)."""
        return policy.scope_by_person(
            self, user, person_field=self.person_field, section=Section.EMPLOYMENT, person=person
        )


class ConvictionsSpent(models.TextChoices):
    UNKNOWN = "unknown", "Not known"
    SPENT = "spent", "All convictions spent"
    UNSPENT = "unspent", "Has unspent convictions"


class JobPreferences(models.Model):
    """What work the person wants, used by matching. One row per person."""

    person = models.OneToOneField(
        "casework.Person", on_delete=models.CASCADE, related_name="job_preferences"
    )
    sector_interests = models.JSONField(default=list, blank=True)
    min_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    max_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    convictions_spent = models.CharField(
        max_length=10, choices=ConvictionsSpent.choices, default=ConvictionsSpent.UNKNOWN
    )
    disclosure_advice_given_on = models.DateField(null=True, blank=True)
    offence_types = models.JSONField(
        default=list, blank=True, help_text="Sensitive: used only to check vacancy exclusions"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "job preferences"


class DisclosureChoice(models.Model):
    """The person's own choice to disclose (or not) their convictions to one employer.

    Professionals record the choice; they never make it on the person's behalf (002 §C.5.5).
    """

    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="disclosure_choices"
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="disclosure_choices"
    )
    disclosed = models.BooleanField()
    on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "employer"], name="disclosure_one_per_employer"
            )
        ]


class ApplicationStatus(models.TextChoices):
    INTERESTED = "interested", "Interested"
    APPLIED = "applied", "Applied"
    INTERVIEW_ARRANGED = "interview_arranged", "Interview arranged"
    INTERVIEWED = "interviewed", "Interviewed"
    OFFERED = "offered", "Offered"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    WITHDRAWN = "withdrawn", "Withdrawn"


APPLICATION_TRANSITIONS = {
    ApplicationStatus.INTERESTED: {ApplicationStatus.APPLIED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.APPLIED: {
        ApplicationStatus.INTERVIEW_ARRANGED,
        ApplicationStatus.OFFERED,
        ApplicationStatus.UNSUCCESSFUL,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.INTERVIEW_ARRANGED: {
        ApplicationStatus.INTERVIEWED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.UNSUCCESSFUL,
    },
    ApplicationStatus.INTERVIEWED: {
        ApplicationStatus.OFFERED,
        ApplicationStatus.UNSUCCESSFUL,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.OFFERED: {ApplicationStatus.WITHDRAWN},
    ApplicationStatus.UNSUCCESSFUL: set(),
    ApplicationStatus.WITHDRAWN: set(),
}


def application_next_statuses(status) -> list[ApplicationStatus]:
    """The steps an application with this status may take next, in the workflow's order."""
    allowed = APPLICATION_TRANSITIONS[ApplicationStatus(status)]
    return [s for s in ApplicationStatus if s in allowed]


OPEN_APPLICATION_STATUSES = [
    ApplicationStatus.INTERESTED,
    ApplicationStatus.APPLIED,
    ApplicationStatus.INTERVIEW_ARRANGED,
    ApplicationStatus.INTERVIEWED,
]


class Application(models.Model):
    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="job_applications"
    )
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="job_applications"
    )
    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.INTERESTED
    )
    interview_at = models.DateTimeField(null=True, blank=True)
    offered_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "vacancy"],
                condition=Q(
                    status__in=["interested", "applied", "interview_arranged", "interviewed"]
                ),
                name="application_one_open_per_vacancy",
            ),
        ]
        indexes = [models.Index(fields=["case", "status"], name="application_case_status")]


class SpellKind(models.TextChoices):
    JOB = "job", "New job"
    EXISTING_JOB_KEPT = "existing_job_kept", "Kept an existing job"
    SELF_EMPLOYMENT = "self_employment", "Self-employment"
    WORK_TRIAL = "work_trial", "Work trial (a step, not a job outcome)"
    WORK_EXPERIENCE = "work_experience", "Work experience (a step, not a job outcome)"


# Job outcomes: these schedule retention checks and count towards continuous employment.
OUTCOME_KINDS = [SpellKind.JOB, SpellKind.EXISTING_JOB_KEPT, SpellKind.SELF_EMPLOYMENT]


class HoursBand(models.TextChoices):
    UNDER_16 = "under_16", "Under 16 hours a week"
    FROM_16_TO_29 = "16_to_29", "16 to 29 hours a week"
    FROM_30 = "30_plus", "30 hours a week or more"


class SpellEndReason(models.TextChoices):
    RESIGNED = "resigned", "Resigned"
    DISMISSED = "dismissed", "Dismissed"
    CONTRACT_ENDED = "contract_ended", "Contract or trial ended"
    REDUNDANCY = "redundancy", "Redundancy"
    CUSTODY = "custody", "Recalled or returned to custody"
    NEW_JOB = "new_job", "Moved to a new job"
    LEFT_NO_JOB = "left_no_job", "Left, reported at a retention check"
    OTHER = "other", "Other"


class VerifiedHow(models.TextChoices):
    PERSON = "person", "Told by the person"
    EMPLOYER = "employer", "Confirmed by the employer"
    PAYSLIP = "payslip", "Payslip or contract seen"


class EmploymentSpell(models.Model):
    """A job start (or kept job, self-employment, work trial, work experience)."""

    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="employment_spells"
    )
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="employment_spells"
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="spells"
    )
    kind = models.CharField(max_length=20, choices=SpellKind.choices, default=SpellKind.JOB)
    job_title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=SpellEndReason.choices, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    hours_band = models.CharField(max_length=10, choices=HoursBand.choices, blank=True)
    contract_type = models.CharField(
        max_length=30, choices=ContractType.choices, default=ContractType.PERMANENT
    )
    pay = models.CharField(max_length=100, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_how = models.CharField(max_length=10, choices=VerifiedHow.choices, blank=True)
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="advised_spells",
        help_text="Told when a retention check falls due",
    )
    # db_index=False: spell_agency (below) leads with the agency and covers the checks-due join
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="spells"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(
                fields=["agency", "id"], include=["person", "adviser"], name="spell_agency"
            ),
            models.Index(fields=["person", "start_date"], name="spell_person_start"),
            models.Index(fields=["case", "start_date"], name="spell_case_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="spell_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | ~Q(end_reason=""),
                name="spell_end_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(employer__isnull=False)
                | Q(kind__in=["self_employment", "existing_job_kept"]),
                name="spell_employer_unless_self_employed",
            ),
        ]

    def __str__(self):
        return f"{self.job_title} from {self.start_date:%d %b %Y}"

    @property
    def is_outcome(self) -> bool:
        return self.kind in OUTCOME_KINDS


class CheckStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    RECORDED = "recorded", "Recorded"
    CANCELLED = "cancelled", "Cancelled"


OPEN_CHECK_STATUSES = [CheckStatus.SCHEDULED, CheckStatus.DUE, CheckStatus.OVERDUE]


class CheckOutcome(models.TextChoices):
    IN_WORK = "in_work", "In work (same job)"
    IN_WORK_NEW_JOB = "in_work_new_job", "In work (a new job)"
    LEFT_NO_JOB = "left_no_job", "Left, not in work"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
    DECLINED_TO_SAY = "declined_to_say", "Declined to say"


class CheckEvidence(models.TextChoices):
    PERSON = "person", "The person"
    EMPLOYER = "employer", "The employer"
    PAYSLIP = "payslip", "Payslip"


def check_status_on(status: str, due_on: datetime.date, day: datetime.date) -> str:
    """What an open check is on `day`, from its date alone: scheduled until due_on, due from due_on,
    overdue once more than RETENTION_GRACE_DAYS have passed (the same dates as the retention sweep).
    Recorded and cancelled checks keep their status."""
    if status not in OPEN_CHECK_STATUSES:
        return status
    if due_on < day - datetime.timedelta(days=settings.RETENTION_GRACE_DAYS):
        return CheckStatus.OVERDUE
    if due_on <= day:
        return CheckStatus.DUE
    return CheckStatus.SCHEDULED


class RetentionCheckQuerySet(PersonScopedQuerySet):
    """Pages read a check's status from its dates (`with_current_status`, `due_now`), so a check whose
    date has come shows as due or overdue on the next request whether or not the sweep has run."""

    person_field = "spell__person"

    def with_current_status(self, day: datetime.date | None = None):
        """Annotate `current_status` (check_status_on in SQL): one CASE on the dates, no extra query."""
        day = day or policy.today()
        overdue_before = day - datetime.timedelta(days=settings.RETENTION_GRACE_DAYS)
        return self.annotate(
            current_status=models.Case(
                models.When(~Q(status__in=OPEN_CHECK_STATUSES), then=F("status")),
                models.When(due_on__lt=overdue_before, then=models.Value(CheckStatus.OVERDUE)),
                models.When(due_on__lte=day, then=models.Value(CheckStatus.DUE)),
                default=models.Value(CheckStatus.SCHEDULED),
                output_field=models.CharField(max_length=10),
            )
        )

    def due_now(self, day: datetime.date | None = None):
        """Open checks whose date has come (due or overdue on `day`), sweep or no sweep."""
        day = day or policy.today()
        return self.filter(status__in=OPEN_CHECK_STATUSES, due_on__lte=day)

    def current_status_is(self, status: str, day: datetime.date | None = None):
        """Checks whose current status (from the dates) is `status`, as plain range filters."""
        day = day or policy.today()
        overdue_before = day - datetime.timedelta(days=settings.RETENTION_GRACE_DAYS)
        if status not in OPEN_CHECK_STATUSES:
            return self.filter(status=status)
        open_ = self.filter(status__in=OPEN_CHECK_STATUSES)
        if status == CheckStatus.OVERDUE:
            return open_.filter(due_on__lt=overdue_before)
        if status == CheckStatus.DUE:
            return open_.filter(due_on__gte=overdue_before, due_on__lte=day)
        return open_.filter(due_on__gt=day)


class RetentionCheck(models.Model):
    """A 4/8/12-week (and any configured) check that the person is still in work."""

    spell = models.ForeignKey(EmploymentSpell, on_delete=models.CASCADE, related_name="checks")
    milestone_weeks = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.SCHEDULED
    )
    outcome = models.CharField(max_length=20, choices=CheckOutcome.choices, blank=True)
    evidence = models.CharField(max_length=10, choices=CheckEvidence.choices, blank=True)
    checked_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = RetentionCheckQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["spell", "milestone_weeks"], name="retention_check_one_per_milestone"
            ),
            models.CheckConstraint(
                condition=~Q(status="recorded") | (~Q(outcome="") & Q(checked_on__isnull=False)),
                name="retention_check_recorded_has_outcome",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(status__in=["scheduled", "due", "overdue"]),
                name="retention_check_open_due",
            ),
            # checks due now, per job start: the checks-due page probes it once per spell of the agency
            # with `due_on <= today` on open checks (the status from the dates, not the sweep's)
            models.Index(
                fields=["spell", "due_on"],
                include=["status"],
                condition=Q(status__in=["scheduled", "due", "overdue"]),
                name="retention_check_open_spell",
            ),
            models.Index(
                fields=["id"],
                condition=Q(status__in=["due", "overdue"], notified_at__isnull=True),
                name="retention_check_to_notify",
            ),
        ]

    def __str__(self):
        return f"{self.milestone_weeks}-week check due {self.due_on:%d %b %Y}"

    def status_on(self, day: datetime.date) -> str:
        return check_status_on(self.status, self.due_on, day)

    @property
    def current_status(self) -> str:
        """The status today from the dates; `with_current_status` sets it from the query."""
        annotated = self.__dict__.get("_current_status")
        if annotated is not None and annotated[0] == (self.status, self.due_on):
            return annotated[1]
        return self.status_on(policy.today())

    @current_status.setter
    def current_status(self, value: str) -> None:
        # kept with the row it was computed for, so a changed or refreshed check is recomputed
        self.__dict__["_current_status"] = ((self.status, self.due_on), value)

    def get_current_status_display(self) -> str:
        return CheckStatus(self.current_status).label

    @property
    def is_due_now(self) -> bool:
        return self.current_status in (CheckStatus.DUE, CheckStatus.OVERDUE)


class FeedbackKind(models.TextChoices):
    EMPLOYER_ON_SERVICE = "employer_on_service", "Employer, on the service"
    EMPLOYER_ON_EMPLOYEE = "employer_on_employee", "Employer, on the person placed"
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    PERSON = "person", "The person"


class FeedbackQuerySet(models.QuerySet):
    def for_user(self, user):
        """Feedback about a person goes with their employment section; employer-on-service
        feedback stays with the agency that recorded it."""
        acting = policy.acting_of(user)
        if not policy.can(user, "person.view"):
            return self.none()
        about_people = policy.scope_by_person(
            Feedback.objects.filter(person__isnull=False), user, section=Section.EMPLOYMENT
        ).values("pk")
        return self.filter(
            Q(person__isnull=True, agency_id=acting.agency_id) | Q(pk__in=about_people)
        )


class Feedback(models.Model):
    kind = models.CharField(max_length=30, choices=FeedbackKind.choices)
    rating = models.PositiveSmallIntegerField(help_text="1 (very poor) to 5 (very good)")
    comment = models.TextField(blank=True)
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    case = models.ForeignKey(
        "casework.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    given_on = models.DateField()
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["kind", "given_on"], name="feedback_kind_given")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["employer_on_service", "employer_on_employee"])
                | Q(employer__isnull=False),
                name="feedback_employer_kinds_need_employer",
            ),
            models.CheckConstraint(
                condition=Q(kind="employer_on_service") | Q(person__isnull=False),
                name="feedback_about_person_needs_person",
            ),
        ]


# --- Support given (issue 19): to the person and to employers -----------------------------------


class SupportKind(models.TextChoices):
    ADVICE = "advice", "Information, advice and guidance"
    BETTER_OFF = "better_off_calculation", "Better-off-in-work calculation"
    DISCLOSURE_HELP = "disclosure_help", "Help with disclosure"
    JOB_SEARCH = "job_search", "Job search, applications and interview skills"
    IN_WORK = "in_work_support", "In-work support contact"
    EMPLOYER_PRE = "employer_pre_placement", "Pre-placement support to the employer"
    EMPLOYER_POST = "employer_post_placement", "Post-placement support to the employer"


EMPLOYER_SUPPORT_KINDS = frozenset({SupportKind.EMPLOYER_PRE, SupportKind.EMPLOYER_POST})
SPELL_SUPPORT_KINDS = frozenset({SupportKind.IN_WORK, SupportKind.EMPLOYER_POST})


class SupportGiven(models.Model):
    """One piece of support given, to the person or to an employer about them: who and when."""

    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=SupportKind.choices)
    given_on = models.DateField()
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="support_given"
    )
    spell = models.ForeignKey(
        EmploymentSpell,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="support_given",
        help_text="The job an in-work support contact or post-placement support is about",
    )
    note = models.TextField(blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        indexes = [
            models.Index(fields=["person", "given_on"], name="support_person_on"),
            models.Index(fields=["spell", "given_on"], name="support_spell_on"),
            models.Index(fields=["agency", "given_on"], name="support_agency_on"),
        ]
        verbose_name = "support given"
        verbose_name_plural = "support given"

    @property
    def to_employer(self) -> bool:
        return self.kind in EMPLOYER_SUPPORT_KINDS
