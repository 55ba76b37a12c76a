"""Monthly outcome reports and the post-exit checks that feed them (no names in any report)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from consent import policy
from consent.sections import Section


class ReportKind(models.TextChoices):
    MONTHLY_OUTCOMES = "monthly_outcomes", "Monthly outcomes"  # a period of one month
    OUTCOMES = "outcomes", "Outcomes"  # a period of several whole months


class ReportScope(models.TextChoices):
    AGENCY = "agency", "Agency"
    REGION = "region", "Region"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def stalled_q(now=None) -> Q:
    """Reports whose task is not alive: running without a heartbeat for REPORT_STALL_SECONDS, or
    queued for REPORT_QUEUED_STALL_SECONDS (its message was lost: a hung broker, a Redis flush)."""
    import datetime

    from django.utils import timezone

    now = now or timezone.now()
    running_since = now - datetime.timedelta(seconds=settings.REPORT_STALL_SECONDS)
    queued_since = now - datetime.timedelta(seconds=settings.REPORT_QUEUED_STALL_SECONDS)
    busy = Q(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
    return (
        Q(status=ReportStatus.RUNNING, heartbeat_at__lt=running_since)
        | Q(status=ReportStatus.QUEUED, heartbeat_at__lt=queued_since)
        | (busy & Q(heartbeat_at__isnull=True))
    )


def report_upload_to(report, filename):
    return f"reports/{report.pk}/{filename}"


class Report(models.Model):
    """One report per kind, period and scope (agency or region). Files appear only when the build succeeds.

    The period is whole months: `month` (its first month) to `to_month` (its last, equal for a monthly report).
    """

    kind = models.CharField(
        max_length=30, choices=ReportKind.choices, default=ReportKind.MONTHLY_OUTCOMES
    )
    month = models.DateField(help_text="First day of the period's first month")
    to_month = models.DateField(help_text="First day of the period's last month")
    scope = models.CharField(max_length=10, choices=ReportScope.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    region = models.ForeignKey(
        "agencies.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    pdf = models.FileField(upload_to=report_upload_to, blank=True, max_length=300)
    csv = models.FileField(upload_to=report_upload_to, blank=True, max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life: when it was queued, then every few seconds while it builds",
    )
    build_task_id = models.CharField(
        max_length=64, blank=True, help_text="The Celery task that claimed the running build"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    data_as_at = models.DateTimeField(
        null=True, blank=True, help_text="When the figures were read from the database"
    )

    class Meta:
        ordering = ["-month", "scope", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "month", "to_month", "scope", "agency"],
                condition=Q(scope="agency"),
                name="report_one_per_agency_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "month", "to_month", "scope", "region"],
                condition=Q(scope="region"),
                name="report_one_per_region_period",
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope="agency", agency__isnull=False, region__isnull=True)
                    | Q(scope="region", region__isnull=False, agency__isnull=True)
                ),
                name="report_scope_matches_owner",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_first_day"),
            models.CheckConstraint(
                condition=Q(to_month__day=1, to_month__gte=models.F("month")),
                name="report_period_whole_months",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_max_100"),
        ]

    def __str__(self):
        return f"Outcomes {self.period_label} for {self.owner_name}"

    @property
    def period_label(self) -> str:
        """ "November 2026", "September to November 2026", "April 2026 to March 2027"."""
        if self.to_month == self.month:
            return f"{self.month:%B %Y}"
        if self.to_month.year == self.month.year:
            return f"{self.month:%B} to {self.to_month:%B %Y}"
        return f"{self.month:%B %Y} to {self.to_month:%B %Y}"

    @property
    def months(self) -> int:
        return (
            (self.to_month.year - self.month.year) * 12 + self.to_month.month - self.month.month + 1
        )

    @property
    def owner_name(self) -> str:
        return str(self.agency if self.scope == ReportScope.AGENCY else self.region)

    @property
    def suppressed(self) -> bool:
        """Region reports are read by commissioners outside the owning agencies: small numbers hidden."""
        return self.scope == ReportScope.REGION

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY and bool(self.pdf) and bool(self.csv)

    @property
    def is_busy(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING) and not self.is_stalled

    @property
    def is_stalled(self) -> bool:
        """Queued or running, but its task shows no sign of life (see `stalled_q`)."""
        from django.utils import timezone

        limit = {
            ReportStatus.RUNNING: settings.REPORT_STALL_SECONDS,
            ReportStatus.QUEUED: settings.REPORT_QUEUED_STALL_SECONDS,
        }.get(self.status)
        if limit is None:
            return False
        return (
            self.heartbeat_at is None
            or (timezone.now() - self.heartbeat_at).total_seconds() > limit
        )

    def filename(self, ext: str) -> str:
        owner = "".join(c if c.isalnum() else "-" for c in self.owner_name.lower()).strip("-")
        period = f"{self.month:%Y-%m}" + (f"-to-{self.to_month:%Y-%m}" if self.months > 1 else "")
        return f"resettle-{self.kind.replace('_', '-')}-{period}-{owner}.{ext}"


class ReportVersion(models.Model):
    """An earlier build of a report, kept when it is rebuilt: its files and when its figures were taken."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    pdf = models.FileField(upload_to=report_upload_to, max_length=300)
    csv = models.FileField(upload_to=report_upload_to, max_length=300)
    data_as_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
        ]

    def __str__(self):
        return f"{self.report} (version {self.number})"


class EnduringJobsTarget(models.Model):
    """An agency's annual target of enduring jobs for one financial year (starting 1 April of `financial_year`).

    Reports pro-rate it to the months of the year up to the period end; a region's target is the sum of
    its agencies'. Without one, the default ENDURING_JOBS_ANNUAL_TARGET applies.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="enduring_jobs_targets"
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts in"
    )
    annual_target = models.PositiveIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-financial_year", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "financial_year"], name="enduring_jobs_target_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(financial_year__gte=2000, financial_year__lte=2100),
                name="enduring_jobs_target_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.agency}: {self.annual_target} enduring jobs in {self.financial_year}/{self.financial_year + 1 - 2000:02d}"


class CheckQuerySet(models.QuerySet):
    """Post-exit checks: employment checks go with the employment section, re-offending checks
    (offences) with the sensitive offence part."""

    section = Section.EMPLOYMENT

    def for_user(self, user):
        return policy.scope_by_person(self, user, person_field="case__person", section=self.section)


class ReoffendingCheckQuerySet(CheckQuerySet):
    section = "offence"


class ReoffendingWindow(models.TextChoices):
    DURING_SUPPORT = "during_support", "During support"
    SIX_MONTHS = "six_months", "Within 6 months of the end of support"
    TWELVE_MONTHS = "twelve_months", "Within 12 months of the end of support"


WINDOW_MONTHS = {
    ReoffendingWindow.DURING_SUPPORT: 0,
    ReoffendingWindow.SIX_MONTHS: 6,
    ReoffendingWindow.TWELVE_MONTHS: 12,
}


class CheckStatus(models.TextChoices):
    OPEN = "open", "Open"
    RECORDED = "recorded", "Recorded"


class ReoffendingCheck(models.Model):
    """Did the person re-offend in a window: during support, or within 6 or 12 months after it ended?

    Opened by the post_exit_checks job when the window closes; recorded by the owning agency.
    A check that is still open counts as "unknown", never as "did not re-offend".
    """

    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="reoffending_checks"
    )
    window = models.CharField(max_length=20, choices=ReoffendingWindow.choices)
    due_on = models.DateField(help_text="The day the window closes")
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    reoffended = models.BooleanField(null=True, blank=True)
    recorded_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ReoffendingCheckQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "window"], name="reoffending_check_one_per_window"
            ),
            models.CheckConstraint(
                condition=Q(status="open", reoffended__isnull=True)
                | Q(status="recorded", reoffended__isnull=False),
                name="reoffending_check_recorded_has_answer",
            ),
        ]
        indexes = [models.Index(fields=["window", "due_on"], name="reoffending_window_due")]

    def __str__(self):
        return f"Re-offending check ({self.get_window_display()}) for case {self.case_id}"


class ReoffenceKind(models.TextChoices):
    PROVEN = "proven_reoffence", "Proven re-offence"
    RECALL = "recall", "Recall to custody (not a re-offence)"


class ReoffenceSource(models.TextChoices):
    POLICE_NATIONAL_COMPUTER = "pnc", "Police National Computer"
    COURT = "court", "Court record"
    PROBATION = "probation", "Probation record"
    OTHER = "other", "Other official record"


class Reoffence(models.Model):
    """A recorded fact about a person's offending after a case started: a proven re-offence (offence
    date, disposal date, source) or a recall, which is recorded apart and never counted as re-offending.

    The re-offending measures read these: a proven re-offence whose offence date falls in a window
    makes the window "re-offended"; a window with neither one nor a recorded check is unknown.
    """

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="reoffences")
    kind = models.CharField(max_length=20, choices=ReoffenceKind.choices)
    offence_date = models.DateField(help_text="The offence date (for a recall: the recall date)")
    disposal_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=ReoffenceSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ReoffendingCheckQuerySet.as_manager()

    class Meta:
        ordering = ["offence_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="proven_reoffence")
                | Q(disposal_date__isnull=False, disposal_date__gte=models.F("offence_date")),
                name="reoffence_proven_has_disposal",
            ),
        ]
        indexes = [models.Index(fields=["case", "kind", "offence_date"], name="reoffence_case")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.offence_date:%d %b %Y} (case {self.case_id})"


class InWork(models.TextChoices):
    YES = "yes", "Yes, in work"
    NO = "no", "No, not in work"
    UNKNOWN = "unknown", "Not known (could not contact)"


class PostExitEmploymentCheck(models.Model):
    """Is the person in work six months after the planned end of support? Opened when that day comes."""

    case = models.OneToOneField(
        "casework.Case", on_delete=models.CASCADE, related_name="post_exit_employment_check"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    in_work = models.CharField(max_length=10, choices=InWork.choices, blank=True)
    recorded_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CheckQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", in_work="") | Q(status="recorded") & ~Q(in_work=""),
                name="employment_check_recorded_has_answer",
            ),
        ]
        indexes = [models.Index(fields=["due_on"], name="employment_check_due")]

    def __str__(self):
        return f"Employment check at +6 months for case {self.case_id}"
