"""Outcome measures (DOMAIN.md §8, API.md "Report CSV"), each computed in the database.

Every measure is one function over a `Context` (the report's month and the cases credited to its
scope) that runs a fixed number of aggregate queries, whatever the number of people, and returns
one `Row` per breakdown: `all`, `support_level:<level>`, `location:<site name>` and, for referrals,
`source:<agency kind>`. The PDF, the CSV and the API all read these rows; nothing else computes a
figure. A measure whose data is not recorded in Resettle yet raises `NotAvailable` and shows as
"not available" (empty cells), never as zero.

Conventions (printed in the report's appendix):
- a monthly count is of events dated in the report month; `_year_to_date` counts from 1 April;
- a case is credited to every agency that owns it or was involved in it (002 §6.9); a region report
  covers the cases owned by the region's agencies;
- key outcomes are counted for the people whose outcome falls due in the report month:
  `denominator` is those with a known outcome, `unknown` those due without one (a missing check is
  never "did not re-offend"), `not_yet_due` the people of the scope whose outcome falls due later;
- rates are decimals (0.34), counts integers, feedback gives the mean rating and the number of responses.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Avg,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.functions import Cast, Coalesce, TruncMonth

from agencies.models import Agency, SourceCategory
from casework.models import (
    NO_NEEDS,
    AccommodationStatus,
    BenefitStatus,
    Case,
    EmploymentStatus,
    EndReason,
    NeedArea,
    SupportLevel,
)
from consent.models import CaseInvolvement
from reporting.models import (
    WINDOW_MONTHS,
    EnduringJobsTarget,
    InWork,
    PostExitEmploymentCheck,
    Reoffence,
    ReoffenceKind,
    ReoffendingCheck,
    ReoffendingWindow,
)
from reporting.periods import add_months, financial_year_start, month_end, months_in

NOT_RECORDED = "not recorded"
SUPPORT_LEVELS = [level.value for level in SupportLevel]


@dataclass(frozen=True)
class Measure:
    id: str
    group: str
    label: str
    kind: str  # count | rate | mean | median | target (a target, never suppressed)
    definition: str


GROUPS = {
    "funnel": "Funnel",
    "key": "Key outcomes",
    "jobcentre": "Jobcentre",
    "work": "Work and data",
    "needs": "Needs, learning and support",  # after work and data: the CSV's order of measures
}

MEASURES = [
    Measure(
        "referrals_received",
        "funnel",
        "Referrals received",
        "count",
        "Referrals sent to the agency (region: to its agencies) in the period, and by the sending agency's "
        "source category (Jobcentre Plus, prison education, prison, probation, employment programme, other).",
    ),
    Measure(
        "starts",
        "funnel",
        "Starts",
        "count",
        "People whose support started in the period (each person once).",
    ),
    Measure(
        "employers_engaged",
        "funnel",
        "Employers engaged",
        "count",
        "Employers with a contact recorded by the agency in the period, or whose employer record it "
        "created in the period (each employer once).",
    ),
    Measure("interviews", "funnel", "Interviews", "count", "Job interviews dated in the period."),
    Measure(
        "job_offers",
        "funnel",
        "Job offers",
        "count",
        "Applications offered in the period, dated by the day the offer was made (offered_on).",
    ),
    Measure(
        "job_starts",
        "funnel",
        "Job starts",
        "count",
        "People starting a job in the period (each person once, however many jobs; no offer needed).",
    ),
    Measure(
        "interview_to_job_rate",
        "funnel",
        "Interview-to-job conversion",
        "rate",
        "Interviews in the period whose application led to a job start (a spell linked to it), of the "
        "interviews in the period (numerator and denominator shown).",
    ),
    Measure(
        "median_weeks_to_first_job",
        "funnel",
        "Median weeks to first job",
        "median",
        "For people whose first job started in the month: median weeks from the start of support to it "
        "(numerator: the number of people).",
    ),
    Measure(
        "enduring_jobs_year_to_date",
        "funnel",
        "Enduring jobs, year to date",
        "count",
        "People reaching 12 weeks' continuous employment since 1 April, verified by the 12-week check (first achievement).",
    ),
    Measure(
        "enduring_jobs_target_year_to_date",
        "funnel",
        "Enduring jobs target, year to date",
        "target",
        "The agency's annual target for the financial year (a region: the sum of its agencies'; the default "
        "ENDURING_JOBS_ANNUAL_TARGET when none is set), pro-rated to the months from 1 April to the period end.",
    ),
    Measure(
        "no_job_6m_after_planned_end",
        "key",
        "No job by 6 months after planned end",
        "rate",
        "People whose planned end + 6 months falls in the month and who had no job starting between the start "
        "of support and that day (lower is better). A job counts when a spell is recorded or the +6-month check "
        "says in work; with neither, the outcome is unknown.",
    ),
    Measure(
        "continuous_employment_4w",
        "key",
        "Continuously employed 4 weeks",
        "rate",
        "People whose employment run reaches 28 days in the period and whose 4-week retention check, "
        "recorded in work with its evidence on or after that day, verifies it; of those plus the people "
        "whose run would have reached it in the period but ended first (people, not jobs; first "
        "achievement counts). Reached but not yet verified is 'awaiting verification'; a check recorded "
        "unable to contact or declined is 'unknown'; neither is in the denominator.",
    ),
    Measure(
        "continuous_employment_8w",
        "key",
        "Continuously employed 8 weeks",
        "rate",
        "As above, 56 days.",
    ),
    Measure(
        "continuous_employment_12w",
        "key",
        "Continuously employed 12 weeks",
        "rate",
        "As above, 84 days.",
    ),
    Measure(
        "employer_feedback_service",
        "key",
        "Employer feedback on the service",
        "mean",
        "Mean rating (1 to 5) of employers' feedback on the service given in the month; numerator: responses.",
    ),
    Measure(
        "employer_feedback_employee",
        "key",
        "Employer feedback on the people placed",
        "mean",
        "Mean rating (1 to 5) of employers' feedback on the person placed; numerator: responses.",
    ),
    Measure(
        "offender_manager_feedback",
        "key",
        "Offender manager feedback",
        "mean",
        "Mean rating (1 to 5) of offender managers' feedback; numerator: responses.",
    ),
    Measure(
        "person_feedback",
        "key",
        "The person's own feedback",
        "mean",
        "Mean rating (1 to 5) of the feedback of the people supported; numerator: responses.",
    ),
    Measure(
        "no_reoffending_during_support",
        "key",
        "Did not re-offend during support",
        "rate",
        "People whose support ended in the period with no proven re-offence dated during support and the "
        "window's check recorded 'no', of those with a known answer (a proven re-offence in the window or a "
        "recorded check). Recall is not re-offending; a window without a check is unknown.",
    ),
    Measure(
        "no_reoffending_6m",
        "key",
        "Did not re-offend within 6 months",
        "rate",
        "As above, for the 6 months after support ends (offence dated after the end, up to 6 months "
        "later), counted in the period that window closes.",
    ),
    Measure(
        "no_reoffending_12m",
        "key",
        "Did not re-offend within a year",
        "rate",
        "As above, for the 12 months after support ends.",
    ),
    Measure(
        "claim_closures",
        "jobcentre",
        "Benefit claims closed",
        "count",
        "Benefit claims confirmed closed at reception in the month.",
    ),
    Measure(
        "claim_closure_median_days",
        "jobcentre",
        "Claim closure turnaround (median days)",
        "median",
        "Median days from reception to the claim being confirmed closed; numerator: closures.",
    ),
    Measure(
        "claim_closures_open",
        "jobcentre",
        "Claim closures not yet confirmed (median age in days)",
        "median",
        "Closures received by the end of the period and not confirmed closed by then, counted as open: "
        "median days from reception to the end of the period; numerator: open closures.",
    ),
    Measure(
        "claim_closure_to_bdc_median_days",
        "jobcentre",
        "Closure: reception to sent (median days)",
        "median",
        "For closures confirmed in the period: median days from reception to the day the closure was sent "
        "to the Benefit Delivery Centre; numerator: closures with a sent date.",
    ),
    Measure(
        "claim_closure_bdc_to_confirmed_median_days",
        "jobcentre",
        "Closure: sent to confirmed (median days)",
        "median",
        "For closures confirmed in the period: median days from sent to the Benefit Delivery Centre to "
        "confirmed closed; numerator: closures with a sent date.",
    ),
    Measure(
        "freshstart_booked",
        "jobcentre",
        "Freshstart appointments booked",
        "count",
        "Freshstart appointments booked in the period (dated by the booking, not the appointment).",
    ),
    Measure(
        "freshstart_attended",
        "jobcentre",
        "Freshstart appointments attended",
        "rate",
        "Appointments in the month recorded as attended, of those with attendance recorded.",
    ),
    Measure(
        "offender_markers_set",
        "jobcentre",
        "Offender markers set",
        "count",
        "Offender markers set (with consent) in the period.",
    ),
    Measure(
        "offender_markers_live",
        "jobcentre",
        "Offender markers live at the period end",
        "count",
        "Offender markers set by the period end, not expired and not ended on its last day.",
    ),
    Measure(
        "finance_gap_median_days",
        "jobcentre",
        "Finance gap after release (median days)",
        "median",
        "For benefit claims after release whose first payment was made in the period: median days from "
        "release to the first payment (the prisoner finance gap, 001 §9.1); numerator: those claims; "
        "not yet due: claims of people released by the period end and not yet paid by then.",
    ),
    Measure(
        "advances_requested",
        "jobcentre",
        "Payments on account requested",
        "count",
        "Benefit claims after release, made in the period, for which a payment on account (advance) was "
        "requested (001 §9.3); dated by the claim, as no request date is recorded.",
    ),
    Measure(
        "advances_eligible",
        "jobcentre",
        "Payments on account meeting the tests",
        "rate",
        "Of the advances requested on claims made in the period, those meeting the tests (claim undecided "
        "not through missing evidence of the person's, or payday not reached; likely entitled and in "
        "financial need, 001 §9.3); denominator: advances requested. Whether it was paid is not recorded.",
    ),
    Measure(
        "rapid_reclaims",
        "jobcentre",
        "Rapid reclaims",
        "count",
        "Benefit claims after release, made in the period, that qualify for rapid reclaim: within 26 "
        "weeks of the last claim ending, circumstances unchanged (001 §2.3); unknown: claims made in the "
        "period with no date recorded for the end of the last claim.",
    ),
    Measure(
        "retention_checks_overdue",
        "work",
        "Retention checks overdue",
        "count",
        "Retention checks due on or before the last day of the month and not recorded by then.",
    ),
    Measure(
        "referrals_overdue",
        "work",
        "Referrals overdue",
        "count",
        "Referrals sent, past their respond-by date and still waiting at the end of the period (not answered, "
        "not withdrawn).",
    ),
    Measure(
        "data_completeness",
        "work",
        "Data completeness",
        "rate",
        "Cases open in the month whose site, owner, employment, benefit and accommodation status are all recorded.",
    ),
]
# Self-reported needs (003 I.A): one share per code, the need areas and "none" (issue 19).
SELF_REPORTED_NEED_MEASURES = {
    f"self_reported_need_{code}": code for code in [*(area.value for area in NeedArea), NO_NEEDS]
}
MEASURES += [
    Measure(
        measure_id,
        "needs",
        f"People reporting a need: {label.lower()}"
        if code != NO_NEEDS
        else "People reporting no need for help",
        "rate",
        f"People assessed in the period with coded self-reported needs who said they need help "
        f"with {label.lower()}; denominator: those people (each once, their assessments in the "
        f"period taken together)."
        if code != NO_NEEDS
        else "People assessed in the period with coded self-reported needs who said they need "
        "no help; denominator: those people.",
    )
    for measure_id, code in SELF_REPORTED_NEED_MEASURES.items()
    for label in [dict(NeedArea.choices).get(code, "none")]
] + [
    Measure(
        "accommodation_settled_at_release",
        "needs",
        "Settled accommodation on release",
        "rate",
        "Cases released in the period whose accommodation outcome on release is settled; "
        "denominator: those with a known outcome; unknown: recorded as not known or not recorded.",
    ),
    Measure(
        "accommodation_settled_3m",
        "needs",
        "Settled accommodation three months after release",
        "rate",
        "Cases released three months before the period whose three-month accommodation outcome "
        "is settled; denominator: those with a known outcome; unknown: not known or not recorded.",
    ),
    Measure(
        "qualifications_gained",
        "needs",
        "People gaining a qualification",
        "count",
        "People with a qualification recorded as gained during support and achieved in the period "
        "(each once).",
    ),
    Measure(
        "support_given",
        "needs",
        "Support given to people",
        "count",
        "Support entries dated in the period given to the person (advice, better-off "
        "calculations, help with disclosure, job search, in-work support contacts).",
    ),
    Measure(
        "support_given_employers",
        "needs",
        "Support given to employers",
        "count",
        "Support entries dated in the period given to an employer (pre- and post-placement).",
    ),
]
BY_ID = {m.id: m for m in MEASURES}


@dataclass
class Row:
    measure: str
    breakdown: str
    value: Any = None
    numerator: Any = None
    denominator: Any = None
    not_yet_due: Any = None
    unknown: Any = None
    awaiting_verification: Any = None
    available: bool = True
    note: str = ""

    COLUMNS = (
        "value",
        "numerator",
        "denominator",
        "not_yet_due",
        "unknown",
        "awaiting_verification",
    )

    def cells(self) -> list[str]:
        return [
            self.measure,
            self.breakdown,
            *(format_cell(getattr(self, c)) for c in self.COLUMNS),
        ]


def format_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return format(round(value, 3), "g")
    return str(int(value))


class NotAvailable(Exception):  # noqa: N818 - reads as a state, not an error
    """The measure's data is not recorded in Resettle (yet)."""


@dataclass
class Context:
    """A report's period (whole months, `month` to `last`) and the cases credited to its scope.

    The `*_month` helpers cover the whole period: `next_month` is the first day after it,
    `month_end` its last day; `fy_start` is 1 April of the financial year the period ends in.
    """

    month: datetime.date  # first day of the period's first month
    cases: QuerySet  # every case credited to the scope
    agencies: QuerySet  # the scope's agencies
    locations: list[str] = field(default_factory=list)
    last: datetime.date | None = None  # first day of the period's last month (None: one month)
    by_agency: bool = False  # region reports: the funnel also by agency (`agency:<name>`)

    def __post_init__(self):
        self.last = self.last or self.month

    @property
    def next_month(self) -> datetime.date:
        return add_months(self.last, 1)

    @property
    def month_end(self) -> datetime.date:
        return month_end(self.last)

    @property
    def fy_start(self) -> datetime.date:
        return financial_year_start(self.last)

    def in_month(self, prefix: str) -> dict:
        return {f"{prefix}__gte": self.month, f"{prefix}__lt": self.next_month}

    def due_in_month(self, prefix: str, months: int) -> dict:
        """`prefix` + `months` falls in the report period (exact with month-end clipping)."""
        return {
            f"{prefix}__gte": add_months(self.month, -months),
            f"{prefix}__lt": add_months(self.next_month, -months),
        }

    def breakdowns(self) -> list[str]:
        return [
            "all",
            *(f"support_level:{lv}" for lv in SUPPORT_LEVELS),
            *(f"location:{loc}" for loc in self.locations),
        ]


def cases_for_scope(*, agency=None, region=None) -> QuerySet:
    if agency is not None:
        involved = CaseInvolvement.objects.filter(agency=agency).values("case_id")
        return Case.objects.filter(Q(owning_agency=agency) | Q(pk__in=involved))
    return Case.objects.filter(owning_agency__region=region)


def level_at_start(prefix: str = ""):
    """The support level when the case started (kept on the case; older rows: the current level)."""
    return Coalesce(f"{prefix}support_level_at_start", f"{prefix}support_level")


def own_site(agencies: QuerySet, prefix: str = ""):
    """The site the scope's own agency works the case from, else None ("not recorded"): the case's
    site when the case is the scope's own (owned, in one of its sites), otherwise the site the
    scope's agency recorded on its involvement (its acceptance of the referral). An agency's location
    breakdown never shows another agency's office."""
    involved = CaseInvolvement.objects.filter(
        case=OuterRef(f"{prefix}pk"), agency__in=agencies.values("pk"), site__isnull=False
    ).order_by("-started_on", "-id")
    return DbCase(
        When(
            **{
                f"{prefix}owning_agency__in": agencies.values("pk"),
                f"{prefix}site__agency__in": agencies.values("pk"),
            },
            then=F(f"{prefix}site__name"),
        ),
        default=Subquery(involved.values("site__name")[:1]),
        output_field=CharField(),
    )


def credited_start(agency):
    """The day the agency's own work on the case started: the case start for the owner (and for a
    region), the agency's involvement (its acceptance of the referral) for anyone else."""
    if agency is None:
        return F("start_date")
    involved = CaseInvolvement.objects.filter(case=OuterRef("pk"), agency=agency).order_by(
        "started_on"
    )
    return DbCase(
        When(owning_agency=agency, then=F("start_date")),
        default=Subquery(involved.values("started_on")[:1]),
        output_field=DateField(),
    )


def context_for(
    *, month: datetime.date, agency=None, region=None, to_month: datetime.date | None = None
) -> Context:
    cases = cases_for_scope(agency=agency, region=region)
    agencies = (
        Agency.objects.filter(pk=agency.pk)
        if agency is not None
        else Agency.objects.filter(region=region)
    )
    cases = cases.annotate(credited_start=credited_start(agency))
    ctx = Context(
        month=month, cases=cases, agencies=agencies, last=to_month, by_agency=agency is None
    )
    names = (
        cases.filter(start_date__lt=ctx.next_month)
        .annotate(credited_site=own_site(agencies))
        .values_list("credited_site", flat=True)
        .distinct()
        .order_by()
    )
    ctx.locations = sorted({name or NOT_RECORDED for name in names})
    return ctx


class AddMonths(Func):
    """date + n calendar months in SQL (PostgreSQL clips at month ends; SQLite, the dev default, rolls over)."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        super().__init__(expression)
        self.months = int(months)

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + interval '{self.months} months')::date", params

    def as_sql(self, compiler, connection, **extra):  # SQLite and others
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.months:+d} months')", params


def model_or_none(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


# --- Grouping -------------------------------------------------------------------------------


def grouped(
    qs: QuerySet, ctx: Context, aggregates: dict, case_prefix: str = "", location: str | None = None
) -> dict[str, dict]:
    """The aggregates for every breakdown: three GROUP BY queries (all, support level, site).

    `location` names another site field (a prison establishment, a Jobcentre office) for records that
    are not about a case: then the breakdowns are `all` and that field's values.
    """
    level_key, site_key = "level_at_start", location or "credited_site"
    if location is None:  # own sites only, never another agency's; the level at the start
        qs = qs.annotate(
            credited_site=own_site(ctx.agencies, case_prefix),
            level_at_start=level_at_start(case_prefix),
        )
    empty = dict.fromkeys(aggregates, 0)
    out = {"all": {**empty, **{k: v or 0 for k, v in qs.aggregate(**aggregates).items()}}}
    if location is None:
        levels = {r[level_key]: r for r in qs.order_by().values(level_key).annotate(**aggregates)}
        for level in SUPPORT_LEVELS:
            out[f"support_level:{level}"] = levels.get(level, empty)
    sites = {
        r[site_key] or NOT_RECORDED: r
        for r in qs.order_by().values(site_key).annotate(**aggregates)
    }
    for loc in ctx.locations if location is None else sorted(sites):
        out[f"location:{loc}"] = sites.get(loc, empty)
    return out


def _rate(numerator: int, denominator: int):
    return numerator / denominator if denominator else None


def _rate_rows(
    measure: str,
    groups: dict,
    *,
    yes: str,
    known: str,
    due: str = "",
    later: int | None = None,
    later_by: dict | None = None,
) -> list[Row]:
    rows = []
    for breakdown, g in groups.items():
        unknown = g[due] - g[known] if due else None
        not_yet = (later_by or {}).get(breakdown, 0) if later_by is not None else later
        rows.append(
            Row(
                measure,
                breakdown,
                value=_rate(g[yes], g[known]),
                numerator=g[yes],
                denominator=g[known],
                not_yet_due=not_yet,
                unknown=unknown,
            )
        )
    return rows


def _counts(
    qs: QuerySet, ctx: Context, case_prefix: str = "", location: str | None = None
) -> dict[str, int]:
    return {
        b: g["n"] for b, g in grouped(qs, ctx, {"n": Count("pk")}, case_prefix, location).items()
    }


def _count_rows(measure: str, counts: dict[str, int]) -> list[Row]:
    return [Row(measure, b, value=n) for b, n in counts.items()]


# --- Measures on cases and post-exit checks ---------------------------------------------------


def _people(qs: QuerySet, ctx: Context, case_prefix: str = "", person: str = "person") -> dict:
    """People (each once over the period, whatever the number of records) per breakdown."""
    groups = grouped(qs, ctx, {"n": Count(person, distinct=True)}, case_prefix)
    return {b: g["n"] for b, g in groups.items()}


def starts(ctx: Context) -> list[Row]:
    counts = _people(ctx.cases.filter(**ctx.in_month("credited_start")), ctx)
    return [Row("starts", b, value=n) for b, n in counts.items()]


def no_job_6m_after_planned_end(ctx: Context) -> list[Row]:
    cases = ctx.cases.filter(start_date__lt=ctx.next_month)
    check = PostExitEmploymentCheck.objects.filter(case=OuterRef("pk"), status="recorded")
    worked = Q(Exists(check.filter(in_work=InWork.YES)))
    spell_model = model_or_none("employers.EmploymentSpell")
    if spell_model is not None:
        from employers.models import OUTCOME_KINDS

        worked |= Q(
            Exists(
                spell_model.objects.filter(  # any spell in work during the window
                    Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("start_date")),
                    person=OuterRef("person_id"),
                    kind__in=OUTCOME_KINDS,
                    start_date__lte=AddMonths(OuterRef("planned_end_date"), 6),
                )
            )
        )
    not_worked = Q(Exists(check.filter(in_work=InWork.NO))) & ~worked
    due = cases.filter(**ctx.due_in_month("planned_end_date", 6))
    groups = grouped(
        due,
        ctx,
        {
            "due": Count("pk"),
            "worked": Count("pk", filter=worked),
            "no_job": Count("pk", filter=not_worked),
        },
    )
    for g in groups.values():
        g["known"] = g["worked"] + g["no_job"]
    later = _counts(cases.filter(planned_end_date__gte=add_months(ctx.next_month, -6)), ctx)
    return _rate_rows(
        "no_job_6m_after_planned_end",
        groups,
        yes="no_job",
        known="known",
        due="due",
        later_by=later,
    )


REOFFENDING_MEASURES = {
    ReoffendingWindow.DURING_SUPPORT: "no_reoffending_during_support",
    ReoffendingWindow.SIX_MONTHS: "no_reoffending_6m",
    ReoffendingWindow.TWELVE_MONTHS: "no_reoffending_12m",
}
WINDOW_ORDER = list(REOFFENDING_MEASURES)


def _reoffence_window(months: int) -> Q:
    """A proven re-offence whose offence date is in the window: during support (start to end), or
    after the end of support up to `months` months later. A recall is never a re-offence."""
    proven = Reoffence.objects.filter(case=OuterRef("pk"), kind=ReoffenceKind.PROVEN)
    if months == 0:
        proven = proven.filter(
            offence_date__gte=OuterRef("start_date"), offence_date__lte=OuterRef("end_date")
        )
    else:
        proven = proven.filter(
            offence_date__gt=OuterRef("end_date"),
            offence_date__lte=AddMonths(OuterRef("end_date"), months),
        )
    return Q(Exists(proven))


def no_reoffending(ctx: Context) -> list[Row]:
    """Each window on its own: during support, within 6 and within 12 months after it ends.

    Re-offended: a proven re-offence dated in the window, or the window's check recorded "yes".
    Did not re-offend: the window's check recorded "no" and no proven re-offence in it. Otherwise
    unknown (never "did not re-offend")."""
    cases = ctx.cases.filter(start_date__lt=ctx.next_month).exclude(end_reason=EndReason.DIED)
    rows = []
    for window in WINDOW_ORDER:
        months = WINDOW_MONTHS[window]
        checks = ReoffendingCheck.objects.filter(
            case=OuterRef("pk"), status="recorded", window=window
        )
        yes = _reoffence_window(months) | Q(Exists(checks.filter(reoffended=True)))
        no = Q(Exists(checks.filter(reoffended=False))) & ~yes
        due = cases.filter(**ctx.due_in_month("end_date", months))
        groups = grouped(
            due,
            ctx,
            {"due": Count("pk"), "yes": Count("pk", filter=yes), "no": Count("pk", filter=no)},
        )
        for g in groups.values():
            g["known"] = g["yes"] + g["no"]
        later = _counts(
            cases.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=add_months(ctx.next_month, -months))
            ),
            ctx,
        )
        rows += _rate_rows(
            REOFFENDING_MEASURES[window], groups, yes="no", known="known", due="due", later_by=later
        )
    return rows


def detail_at(name: str, day: datetime.date, current: str):
    """A detail (casework.models.DetailChange) as it stood at the end of `day`: the latest change on
    or before it, else the value before the first change after it, else today's value (never changed)."""
    from casework.models import PERSON_DETAIL_FIELDS, DetailChange

    if name in PERSON_DETAIL_FIELDS:
        changes = DetailChange.objects.filter(person=OuterRef("person_id"), field=name)
    else:
        changes = DetailChange.objects.filter(case=OuterRef("pk"), field=name)
    before = changes.filter(on__lte=day).order_by("-on", "-id").values("to_value")[:1]
    after = changes.filter(on__gt=day).order_by("on", "id").values("from_value")[:1]
    return Coalesce(
        Subquery(before),
        Subquery(after),
        Cast(current, CharField()),
        Value(""),
        output_field=CharField(),
    )


def data_completeness(ctx: Context) -> list[Row]:
    """Cases open in the period whose details were all recorded as at the period end (kept as
    history, so a rebuilt past period gives the same figure)."""
    end = ctx.month_end
    active = ctx.cases.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=ctx.month), start_date__lt=ctx.next_month
    ).annotate(
        site_at=detail_at("site", end, "site_id"),
        owner_at=detail_at("owner", end, "owner_id"),
        employment_at=detail_at("employment_status", end, "person__employment_status"),
        benefit_at=detail_at("benefit_status", end, "person__benefit_status"),
        accommodation_at=detail_at("accommodation_status", end, "person__accommodation_status"),
    )
    complete = (
        ~Q(site_at="")
        & ~Q(owner_at="")
        & ~Q(employment_at=EmploymentStatus.UNKNOWN)
        & ~Q(benefit_at=BenefitStatus.UNKNOWN)
        & ~Q(accommodation_at=AccommodationStatus.UNKNOWN)
    )
    groups = grouped(active, ctx, {"active": Count("pk"), "complete": Count("pk", filter=complete)})
    return _rate_rows("data_completeness", groups, yes="complete", known="active")


def self_reported_needs(ctx: Context) -> list[Row]:
    """Shares of people reporting each need: three GROUP BY queries for all twelve measures."""
    assessment = apps.get_model("casework", "Assessment")
    coded = assessment.objects.filter(
        case__in=ctx.cases.values("pk"), **ctx.in_month("assessed_on")
    ).exclude(self_reported_need_codes=[])
    aggregates = {"people": Count("case__person", distinct=True)} | {
        code: Count(
            "case__person", distinct=True, filter=Q(self_reported_need_codes__contains=[code])
        )
        for code in SELF_REPORTED_NEED_MEASURES.values()
    }
    groups = grouped(coded, ctx, aggregates, case_prefix="case__")
    rows = []
    for measure_id, code in SELF_REPORTED_NEED_MEASURES.items():
        rows += _rate_rows(measure_id, groups, yes=code, known="people")
    return rows


def accommodation_outcomes(ctx: Context) -> list[Row]:
    """Settled on release and three months after: three GROUP BY queries each."""
    sentence = apps.get_model("casework", "SentenceEpisode")
    outcome = apps.get_model("casework", "AccommodationOutcome")
    rows = []
    for measure_id, point, months in (
        ("accommodation_settled_at_release", "at_release", 0),
        ("accommodation_settled_3m", "three_months", 3),
    ):
        released = sentence.objects.filter(
            case=OuterRef("pk"), **ctx.due_in_month("actual_release_date", months)
        )
        recorded = outcome.objects.filter(case=OuterRef("pk"), point=point)
        aggregates = {
            "due": Count("pk"),
            "settled": Count("pk", filter=Exists(recorded.filter(status="settled"))),
            "known": Count("pk", filter=Exists(recorded.exclude(status="unknown"))),
        }
        groups = grouped(ctx.cases.filter(Exists(released)), ctx, aggregates)
        rows += _rate_rows(measure_id, groups, yes="settled", known="known", due="due")
    return rows


def qualifications_gained(ctx: Context) -> list[Row]:
    qualification = apps.get_model("casework", "Qualification")
    gained = qualification.objects.filter(
        case__in=ctx.cases.values("pk"), status="gained", **ctx.in_month("achieved_on")
    )
    return _count_rows("qualifications_gained", _people(gained, ctx, "case__", "case__person"))


def support_given(ctx: Context) -> list[Row]:
    support = model_or_none("employers.SupportGiven")
    if support is None:
        raise NotAvailable("support given is not recorded")
    entries = support.objects.filter(case__in=ctx.cases.values("pk"), **ctx.in_month("given_on"))
    employer_kinds = ["employer_pre_placement", "employer_post_placement"]
    return _count_rows(
        "support_given", _counts(entries.exclude(kind__in=employer_kinds), ctx, "case__")
    ) + _count_rows(
        "support_given_employers", _counts(entries.filter(kind__in=employer_kinds), ctx, "case__")
    )


def annual_target(ctx: Context) -> int:
    """The scope's enduring-jobs target for the financial year the period ends in: the agency's own, or
    for a region the sum of its agencies' targets; the default when none is set."""
    targets = list(
        EnduringJobsTarget.objects.filter(
            agency__in=ctx.agencies, financial_year=ctx.fy_start.year
        ).values_list("annual_target", flat=True)
    )
    return sum(targets) if targets else settings.ENDURING_JOBS_ANNUAL_TARGET


def enduring_jobs_target_year_to_date(ctx: Context) -> list[Row]:
    months = months_in(ctx.fy_start, ctx.last)
    return [
        Row(
            "enduring_jobs_target_year_to_date",
            "all",
            value=round(annual_target(ctx) * months / 12),
        )
    ]


# --- Measures on other apps' records (available once those apps record them) -----------------


def _require(label: str, what: str):
    model = model_or_none(label)
    if model is None:
        raise NotAvailable(f"{what} are not recorded in Resettle yet")
    return model


def _median(values: list) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _median_rows(
    measure: str, items: list[tuple[list[str], float]], breakdowns: list[str]
) -> list[Row]:
    """Median per breakdown of (breakdowns it belongs to, value) pairs, with the count in `numerator`."""
    buckets: dict[str, list] = {b: [] for b in breakdowns}
    for keys, value in items:
        for key in keys:
            buckets.setdefault(key, []).append(value)
    return [Row(measure, b, value=_median(v), numerator=len(v)) for b, v in buckets.items()]


def _case_keys(level: str, site: str | None) -> list[str]:
    return ["all", f"support_level:{level}", f"location:{site or NOT_RECORDED}"]


def referrals(ctx: Context) -> list[Row]:
    referral = _require("referrals.Referral", "referrals")
    received = referral.objects.filter(
        to_agency__in=ctx.agencies,
        sent_at__isnull=False,
        sent_at__date__gte=ctx.month,
        sent_at__date__lt=ctx.next_month,
    )
    counts = _counts(received, ctx, case_prefix="case__")
    sources = dict(
        received.order_by()
        .values("from_agency__source_category")
        .annotate(n=Count("pk"))
        .values_list("from_agency__source_category", "n")
    )
    rows = _count_rows("referrals_received", counts)
    rows += [
        Row("referrals_received", f"source:{category}", value=sources.get(category, 0))
        for category in SourceCategory.values
    ]
    from referrals.models import ReferralEvent

    withdrawn = ReferralEvent.objects.filter(
        referral=OuterRef("pk"), to_status="withdrawn", at__date__lt=ctx.next_month
    )
    overdue = referral.objects.filter(
        Q(answered_at__isnull=True) | Q(answered_at__date__gte=ctx.next_month),
        to_agency__in=ctx.agencies,
        sent_at__date__lt=ctx.next_month,
        respond_by__lt=ctx.month_end,
    ).exclude(Exists(withdrawn))  # only referrals still waiting at the end of the period
    return rows + _count_rows("referrals_overdue", _counts(overdue, ctx, case_prefix="case__"))


def employers_engaged(ctx: Context) -> list[Row]:
    """Employers with a contact recorded by the scope's agencies in the period, or taken on by one
    (its employer record created) in the period; each employer once."""
    employer = _require("employers.Employer", "employers")
    engaged = (
        employer.objects.filter(
            Q(contacts__agency__in=ctx.agencies, **ctx.in_month("contacts__contacted_on"))
            | Q(owning_agency__in=ctx.agencies, **ctx.in_month("created_at__date"))
        )
        .values("pk")
        .distinct()
        .count()
    )
    return [Row("employers_engaged", "all", value=engaged)]


def job_funnel(ctx: Context) -> list[Row]:
    application = _require("employers.Application", "job applications")
    spell = _require("employers.EmploymentSpell", "employment spells")
    from employers.models import OUTCOME_KINDS

    apps_qs = application.objects.filter(case__in=ctx.cases.values("pk"))
    interviews = _counts(
        apps_qs.exclude(status="withdrawn").filter(
            interview_at__date__gte=ctx.month, interview_at__date__lt=ctx.next_month
        ),
        ctx,
        "case__",
    )
    offers = _counts(apps_qs.filter(**ctx.in_month("offered_on")), ctx, "case__")
    starts_qs = spell.objects.filter(
        case__in=ctx.cases.values("pk"), kind__in=OUTCOME_KINDS, **ctx.in_month("start_date")
    )
    job_starts = _people(starts_qs, ctx, "case__")
    rows = (
        _count_rows("interviews", interviews)
        + _count_rows("job_offers", offers)
        + _count_rows("job_starts", job_starts)
    )
    # conversion from linked records: of the interviews in the period, those whose application
    # led to a job start (a spell recorded with that application), whenever the job started
    interviewed = apps_qs.exclude(status="withdrawn").filter(
        interview_at__date__gte=ctx.month, interview_at__date__lt=ctx.next_month
    )
    led_to_job = Exists(spell.objects.filter(application=OuterRef("pk"), kind__in=OUTCOME_KINDS))
    converted = grouped(
        interviewed,
        ctx,
        {"n": Count("pk"), "jobs": Count("pk", filter=Q(led_to_job))},
        "case__",
    )
    rows += [
        Row(
            "interview_to_job_rate",
            b,
            value=_rate(g["jobs"], g["n"]),
            numerator=g["jobs"],
            denominator=g["n"],
        )
        for b, g in converted.items()
    ]
    firsts = (
        ctx.cases.annotate(
            first_job=Min(
                "employment_spells__start_date", filter=Q(employment_spells__kind__in=OUTCOME_KINDS)
            )
        )
        .filter(first_job__gte=ctx.month, first_job__lt=ctx.next_month)
        .annotate(credited_site=own_site(ctx.agencies), level_at_start=level_at_start())
        .values_list("level_at_start", "credited_site", "credited_start", "first_job")
    )
    items = [
        (_case_keys(level, site), round((first - start).days / 7, 1))
        for level, site, start, first in firsts
        if start is not None and first >= start
    ]
    return rows + _median_rows("median_weeks_to_first_job", items, ctx.breakdowns())


IN_WORK_OUTCOMES = ("in_work", "in_work_new_job")
NO_ANSWER_OUTCOMES = ("unable_to_contact", "declined_to_say")


def _retention_checks(person_ids: list) -> dict:
    """{(spell id, weeks): [(outcome, evidence, checked_on)]} of the recorded checks, one query."""
    from employers.models import RetentionCheck

    out: dict = {}
    for spell_id, weeks, outcome, evidence, checked_on in RetentionCheck.objects.filter(
        spell__person_id__in=person_ids, status="recorded"
    ).values_list("spell_id", "milestone_weeks", "outcome", "evidence", "checked_on"):
        out.setdefault((spell_id, weeks), []).append((outcome, evidence, checked_on))
    return out


def milestone_state(run, weeks: int, reached: datetime.date, checks: dict) -> str:
    """`achieved` when a check for this milestone on a spell of the run was recorded in work, with
    evidence, on or after the milestone day; `unknown` when it was recorded unable to contact or
    declined; otherwise `awaiting` (reached on the spells, not yet verified)."""
    found = [c for sid in run.spell_ids for c in checks.get((sid, weeks), [])]
    if any(o in IN_WORK_OUTCOMES and e and day >= reached for o, e, day in found):
        return "achieved"
    if any(o in NO_ANSWER_OUTCOMES for o, _e, _day in found):
        return "unknown"
    return "awaiting"


def _run_reaching(cont, weeks: int, reached: datetime.date):
    days = datetime.timedelta(days=7 * weeks)
    return next(r for r in cont.runs if r.start + days == reached)


def continuous_employment(ctx: Context) -> list[Row]:
    """People reaching 4, 8 and 12 weeks' continuous employment, verified by a retention check.

    Runs come from employers/continuity.py (the one definition). A person whose run reaches the
    milestone in the month is `achieved` (numerator and denominator) when the milestone's check
    verifies it, `awaiting_verification` or `unknown` otherwise (in neither); a person whose run
    would have reached it in the month but ended first is in the denominator only.
    """
    _require("employers.EmploymentSpell", "employment spells")
    from employers.continuity import continuity_for_people

    latest = {}  # person -> (level, site) of their latest case in scope
    for person_id, level, site in (
        ctx.cases.filter(start_date__lt=ctx.next_month)
        .order_by("start_date", "pk")
        .annotate(credited_site=own_site(ctx.agencies), level_at_start=level_at_start())
        .values_list("person_id", "level_at_start", "credited_site")
    ):
        latest[person_id] = _case_keys(level, site)
    people = continuity_for_people(list(latest), on=ctx.month_end, weeks=(4, 8, 12))
    checks = _retention_checks(list(latest))
    empty = {"yes": 0, "known": 0, "later": 0, "unknown": 0, "awaiting": 0}
    rows = []
    enduring = dict.fromkeys(ctx.breakdowns(), 0)
    for weeks in (4, 8, 12):
        tally = {b: dict(empty) for b in ctx.breakdowns()}
        days = datetime.timedelta(days=7 * weeks)
        for person_id, cont in people.items():
            reached = cont.milestones.get(weeks)
            state = None
            if reached is not None:
                state = milestone_state(_run_reaching(cont, weeks, reached), weeks, reached, checks)
                if weeks == 12 and state == "achieved" and ctx.fy_start <= reached:
                    for key in latest[person_id]:
                        enduring[key] = enduring.get(key, 0) + 1
            if reached is not None and reached < ctx.month:
                continue  # first achievement counted in an earlier month
            due = any(ctx.month <= run.start + days < ctx.next_month for run in cont.runs)
            later = any(
                run.covers(ctx.month_end) and run.start + days > ctx.month_end for run in cont.runs
            )
            for key in latest[person_id]:
                t = tally.setdefault(key, dict(empty))
                if reached is not None and state == "achieved":
                    t["known"] += 1
                    t["yes"] += 1
                elif reached is not None:
                    t[state] += 1
                elif due:
                    t["known"] += 1
                elif later:
                    t["later"] += 1
        rows += [
            Row(
                f"continuous_employment_{weeks}w",
                b,
                value=_rate(t["yes"], t["known"]),
                numerator=t["yes"],
                denominator=t["known"],
                not_yet_due=t["later"],
                unknown=t["unknown"],
                awaiting_verification=t["awaiting"],
            )
            for b, t in tally.items()
        ]
    return rows + _count_rows("enduring_jobs_year_to_date", enduring)


def retention_checks_overdue(ctx: Context) -> list[Row]:
    check = _require("employers.RetentionCheck", "retention checks")
    grace = datetime.timedelta(days=settings.RETENTION_GRACE_DAYS)
    overdue = check.objects.filter(
        Q(checked_on__isnull=True) | Q(checked_on__gte=ctx.next_month),
        spell__case__in=ctx.cases.values("pk"),
        due_on__lt=ctx.next_month - grace,
    ).exclude(status="cancelled")
    return _count_rows("retention_checks_overdue", _counts(overdue, ctx, "spell__case__"))


FEEDBACK_MEASURES = {
    "employer_on_service": "employer_feedback_service",
    "employer_on_employee": "employer_feedback_employee",
    "offender_manager": "offender_manager_feedback",
    "person": "person_feedback",
}


def feedback(ctx: Context) -> list[Row]:
    model = _require("employers.Feedback", "feedback responses")
    given = model.objects.filter(
        Q(case__in=ctx.cases.values("pk")) | Q(case__isnull=True, agency__in=ctx.agencies),
        **ctx.in_month("given_on"),
    )
    rows = []
    for kind, measure in FEEDBACK_MEASURES.items():
        groups = grouped(
            given.filter(kind=kind), ctx, {"n": Count("pk"), "mean": Avg("rating")}, "case__"
        )
        rows += [
            Row(measure, b, value=float(g["mean"]) if g["n"] else None, numerator=g["n"])
            for b, g in groups.items()
        ]
    return rows


def jobcentre(ctx: Context) -> list[Row]:
    closure = _require("custody.ClaimClosure", "claim closures")
    appointment = _require("custody.FreshstartAppointment", "Freshstart appointments")
    marker = _require("custody.Marker", "offender markers")
    closed = closure.objects.filter(agency__in=ctx.agencies, **ctx.in_month("closed_on"))
    from custody.models import FoundBy

    rows = _count_rows("claim_closures", _counts(closed, ctx, location="establishment__name"))
    found = dict(
        closed.order_by().values("found_by").annotate(n=Count("pk")).values_list("found_by", "n")
    )
    rows += [Row("claim_closures", f"found_by:{v}", value=found.get(v, 0)) for v in FoundBy.values]
    items = [
        (["all", f"location:{site}", f"found_by:{how}"], (done - received).days)
        for site, received, done, how in closed.values_list(
            "establishment__name", "reception_date", "closed_on", "found_by"
        )
    ]
    rows += _median_rows("claim_closure_median_days", items, [r.breakdown for r in rows])
    legs = closed.values_list(
        "establishment__name", "reception_date", "sent_to_bdc_on", "closed_on"
    )
    to_bdc, to_confirmed = [], []
    for site, received, sent, done in legs:
        if sent is not None:  # a closure with no sent date has no legs to measure
            to_bdc.append((["all", f"location:{site}"], (sent - received).days))
            to_confirmed.append((["all", f"location:{site}"], (done - sent).days))
    rows += _median_rows("claim_closure_to_bdc_median_days", to_bdc, ["all"])
    rows += _median_rows("claim_closure_bdc_to_confirmed_median_days", to_confirmed, ["all"])
    still_open = closure.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=ctx.next_month),
        agency__in=ctx.agencies,
        reception_date__lt=ctx.next_month,
    )
    ages = [
        (["all", f"location:{site}"], (ctx.month_end - received).days)
        for site, received in still_open.values_list("establishment__name", "reception_date")
    ]
    rows += _median_rows("claim_closures_open", ages, [r.breakdown for r in rows[:1]])
    booked = appointment.objects.filter(
        Q(jobcentre__in=ctx.agencies) | Q(booked_by_agency__in=ctx.agencies),
        created_at__date__gte=ctx.month,
        created_at__date__lt=ctx.next_month,
    )  # dated by the booking (when the appointment was made), not the appointment
    rows += _count_rows("freshstart_booked", _counts(booked, ctx, location="office__name"))
    held = appointment.objects.filter(
        Q(jobcentre__in=ctx.agencies) | Q(booked_by_agency__in=ctx.agencies),
        appointment_at__date__gte=ctx.month,
        appointment_at__date__lt=ctx.next_month,
    )
    groups = grouped(
        held,
        ctx,
        {
            "n": Count("pk"),
            "yes": Count("pk", filter=Q(attended=True)),
            "known": Count("pk", filter=Q(attended__isnull=False)),
        },
        location="office__name",
    )
    rows += [
        Row(
            "freshstart_attended",
            b,
            value=_rate(g["yes"], g["known"]),
            numerator=g["yes"],
            denominator=g["known"],
            unknown=g["n"] - g["known"],
        )
        for b, g in groups.items()
    ]
    offender = marker.objects.filter(jobcentre__in=ctx.agencies, kind="offender")
    markers = offender.filter(**ctx.in_month("set_on")).count()
    live = (
        offender.filter(set_on__lte=ctx.month_end, expires_on__gt=ctx.month_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=ctx.month_end))
        .count()
    )
    return rows + [
        Row("offender_markers_set", "all", value=markers),
        Row("offender_markers_live", "all", value=live),
    ]


def post_release_claims(ctx: Context) -> list[Row]:
    """The finance gap, payments on account and rapid reclaims from the benefit claims after release
    recorded by the scope's Jobcentres (three queries), all and by benefit (every benefit listed)."""
    claim = _require("custody.PostReleaseClaim", "benefit claims after release")
    from custody.models import AdvanceOutcome, Benefit

    claims = claim.objects.filter(agency__in=ctx.agencies)
    breakdowns = ["all", *(f"benefit:{b}" for b in Benefit.values)]
    paid = claims.filter(**ctx.in_month("first_payment_on")).values_list(
        "benefit", "released_on", "first_payment_on"
    )
    gaps = [(["all", f"benefit:{b}"], (first - released).days) for b, released, first in paid]
    unpaid = dict(
        claims.filter(released_on__lte=ctx.month_end)
        .filter(Q(first_payment_on__isnull=True) | Q(first_payment_on__gt=ctx.month_end))
        .order_by()
        .values("benefit")
        .annotate(n=Count("pk"))
        .values_list("benefit", "n")
    )
    waiting = {
        "all": sum(unpaid.values()),
        **{f"benefit:{b}": unpaid.get(b, 0) for b in Benefit.values},
    }
    rows = _median_rows("finance_gap_median_days", gaps, breakdowns)
    for row in rows:
        row.not_yet_due = waiting.get(row.breakdown, 0)
    made = {
        r["benefit"]: r
        for r in claims.filter(**ctx.in_month("claim_made_on"))
        .order_by()
        .values("benefit")
        .annotate(
            requested=Count("pk", filter=Q(advance_requested=True)),
            eligible=Count(
                "pk", filter=Q(advance_requested=True, advance_outcome=AdvanceOutcome.ELIGIBLE)
            ),
            rapid=Count("pk", filter=Q(rapid_reclaim=True)),
            no_end=Count("pk", filter=Q(last_claim_ended_on__isnull=True)),
        )
    }
    keys = ("requested", "eligible", "rapid", "no_end")
    groups = {"all": {k: sum(r[k] for r in made.values()) for k in keys}}
    empty = dict.fromkeys(keys, 0)
    groups.update({f"benefit:{b}": made.get(b, empty) for b in Benefit.values})
    for b, g in groups.items():
        rows.append(Row("advances_requested", b, value=g["requested"]))
    for b, g in groups.items():
        rows.append(
            Row(
                "advances_eligible",
                b,
                value=_rate(g["eligible"], g["requested"]),
                numerator=g["eligible"],
                denominator=g["requested"],
            )
        )
    for b, g in groups.items():
        rows.append(Row("rapid_reclaims", b, value=g["rapid"], unknown=g["no_end"]))
    return rows


FUNNEL_BY_AGENCY = (
    "referrals_received",
    "starts",
    "employers_engaged",
    "interviews",
    "job_offers",
    "job_starts",
    "interview_to_job_rate",
)


def _by_name(pairs) -> dict:
    out: dict = {}
    for name, key in pairs:
        out.setdefault(name, set()).add(key)
    return out


def funnel_by_agency(ctx: Context) -> list[Row]:
    """Region reports: the funnel per agency of the region (`agency:<name>`), each credited with its
    own records: referrals sent to it, cases it owns, its employer contacts and new employer records,
    the applications and job starts it recorded."""
    labels = ("referrals.Referral", "employers.Employer", "employers.Application")
    referral, employer, application = (model_or_none(label) for label in labels)
    spell = model_or_none("employers.EmploymentSpell")
    if not ctx.by_agency or None in (referral, employer, application, spell):
        return []  # the measures' own rows say "not available"
    from employers.models import OUTCOME_KINDS, EmployerContact

    names = sorted(
        ctx.agencies.exclude(kind="commissioner").values_list("name", flat=True).order_by()
    )
    case_ids = ctx.cases.values("pk")
    interviewed = (
        application.objects.filter(case__in=case_ids)
        .exclude(status="withdrawn")
        .filter(interview_at__date__gte=ctx.month, interview_at__date__lt=ctx.next_month)
    )
    led = Exists(spell.objects.filter(application=OuterRef("pk"), kind__in=OUTCOME_KINDS))
    engaged = _by_name(
        EmployerContact.objects.filter(
            agency__in=ctx.agencies, **ctx.in_month("contacted_on")
        ).values_list("agency__name", "employer_id")
    )
    for name, ids in _by_name(
        employer.objects.filter(
            owning_agency__in=ctx.agencies, **ctx.in_month("created_at__date")
        ).values_list("owning_agency__name", "pk")
    ).items():
        engaged.setdefault(name, set()).update(ids)
    counts = {
        "referrals_received": dict(
            referral.objects.filter(
                to_agency__in=ctx.agencies,
                sent_at__isnull=False,
                sent_at__date__gte=ctx.month,
                sent_at__date__lt=ctx.next_month,
            )
            .order_by()
            .values("to_agency__name")
            .annotate(n=Count("pk"))
            .values_list("to_agency__name", "n")
        ),
        "starts": dict(
            ctx.cases.filter(**ctx.in_month("credited_start"))
            .order_by()
            .values("owning_agency__name")
            .annotate(n=Count("person", distinct=True))
            .values_list("owning_agency__name", "n")
        ),
        "employers_engaged": {name: len(ids) for name, ids in engaged.items()},
        "interviews": dict(
            interviewed.order_by()
            .values("agency__name")
            .annotate(n=Count("pk"))
            .values_list("agency__name", "n")
        ),
        "job_offers": dict(
            application.objects.filter(case__in=case_ids, **ctx.in_month("offered_on"))
            .order_by()
            .values("agency__name")
            .annotate(n=Count("pk"))
            .values_list("agency__name", "n")
        ),
        "job_starts": dict(
            spell.objects.filter(
                case__in=case_ids, kind__in=OUTCOME_KINDS, **ctx.in_month("start_date")
            )
            .order_by()
            .values("agency__name")
            .annotate(n=Count("person", distinct=True))
            .values_list("agency__name", "n")
        ),
    }
    jobs = dict(
        interviewed.order_by()
        .values("agency__name")
        .annotate(n=Count("pk", filter=Q(led)))
        .values_list("agency__name", "n")
    )
    rows = _funnel_rows("agency", names, counts, jobs)
    return rows + funnel_by_area(ctx, referral, employer, interviewed, led, application, spell)


def _funnel_rows(kind: str, names: list[str], counts: dict, jobs: dict) -> list[Row]:
    rows = []
    for measure in FUNNEL_BY_AGENCY:
        for name in names:
            if measure == "interview_to_job_rate":
                n, d = jobs.get(name, 0), counts["interviews"].get(name, 0)
                rows.append(
                    Row(measure, f"{kind}:{name}", value=_rate(n, d), numerator=n, denominator=d)
                )
            else:
                rows.append(Row(measure, f"{kind}:{name}", value=counts[measure].get(name, 0)))
    return rows


def _per_area(qs: QuerySet, ctx: Context, prefix: str, count) -> dict:
    """{area name: count}: the site the region works the record's case from (own_site)."""
    return {
        (area or NOT_RECORDED): n
        for area, n in qs.annotate(area=own_site(ctx.agencies, prefix))
        .order_by()
        .values("area")
        .annotate(n=count)
        .values_list("area", "n")
    }


def funnel_by_area(ctx, referral, employer, interviewed, led, application, spell) -> list[Row]:
    """Region reports: the same funnel per area (`area:<site>`), each of the region's sites: a record
    about a case counts at the site the case is worked from (the owner's site, or the site an involved
    agency recorded on accepting it); an employer contact at the site of the member of staff who made
    it; a new employer record, which names no site, under "not recorded"."""
    from agencies.models import Site, StaffMembership
    from employers.models import OUTCOME_KINDS, EmployerContact

    names = sorted(
        set(Site.objects.filter(agency__in=ctx.agencies).values_list("name", flat=True))
    ) + [NOT_RECORDED]
    case_ids = ctx.cases.values("pk")
    contact_site = StaffMembership.objects.filter(
        user=OuterRef("user_id"), agency=OuterRef("agency_id"), site__isnull=False
    ).values("site__name")[:1]
    engaged = _by_name(
        (area or NOT_RECORDED, employer_id)
        for area, employer_id in EmployerContact.objects.filter(
            agency__in=ctx.agencies, **ctx.in_month("contacted_on")
        )
        .annotate(area=Subquery(contact_site))
        .values_list("area", "employer_id")
    )
    engaged.setdefault(NOT_RECORDED, set()).update(
        set(
            employer.objects.filter(
                owning_agency__in=ctx.agencies, **ctx.in_month("created_at__date")
            ).values_list("pk", flat=True)
        )
        - set().union(*engaged.values())
    )
    received = referral.objects.filter(
        to_agency__in=ctx.agencies,
        sent_at__isnull=False,
        sent_at__date__gte=ctx.month,
        sent_at__date__lt=ctx.next_month,
    )
    counts = {
        "referrals_received": _per_area(received, ctx, "case__", Count("pk")),
        "starts": _per_area(
            ctx.cases.filter(**ctx.in_month("credited_start")),
            ctx,
            "",
            Count("person", distinct=True),
        ),
        "employers_engaged": {name: len(ids) for name, ids in engaged.items()},
        "interviews": _per_area(interviewed, ctx, "case__", Count("pk")),
        "job_offers": _per_area(
            application.objects.filter(case__in=case_ids, **ctx.in_month("offered_on")),
            ctx,
            "case__",
            Count("pk"),
        ),
        "job_starts": _per_area(
            spell.objects.filter(
                case__in=case_ids, kind__in=OUTCOME_KINDS, **ctx.in_month("start_date")
            ),
            ctx,
            "case__",
            Count("person", distinct=True),
        ),
    }
    jobs = _per_area(interviewed, ctx, "case__", Count("pk", filter=Q(led)))
    return _funnel_rows("area", names, counts, jobs)


COMPUTERS: list[tuple[tuple[str, ...], Callable[[Context], list[Row]]]] = [
    (("referrals_received", "referrals_overdue"), referrals),
    (("starts",), starts),
    (("employers_engaged",), employers_engaged),
    (
        (
            "interviews",
            "job_offers",
            "job_starts",
            "interview_to_job_rate",
            "median_weeks_to_first_job",
        ),
        job_funnel,
    ),
    (
        (
            "continuous_employment_4w",
            "continuous_employment_8w",
            "continuous_employment_12w",
            "enduring_jobs_year_to_date",
        ),
        continuous_employment,
    ),
    (("retention_checks_overdue",), retention_checks_overdue),
    (tuple(SELF_REPORTED_NEED_MEASURES), self_reported_needs),
    (("accommodation_settled_at_release", "accommodation_settled_3m"), accommodation_outcomes),
    (("qualifications_gained",), qualifications_gained),
    (("support_given", "support_given_employers"), support_given),
    (
        (
            "employer_feedback_service",
            "employer_feedback_employee",
            "offender_manager_feedback",
            "person_feedback",
        ),
        feedback,
    ),
    (("enduring_jobs_target_year_to_date",), enduring_jobs_target_year_to_date),
    (("no_job_6m_after_planned_end",), no_job_6m_after_planned_end),
    (("no_reoffending_during_support", "no_reoffending_6m", "no_reoffending_12m"), no_reoffending),
    (
        (
            "claim_closures",
            "claim_closure_median_days",
            "claim_closures_open",
            "claim_closure_to_bdc_median_days",
            "claim_closure_bdc_to_confirmed_median_days",
            "freshstart_booked",
            "freshstart_attended",
            "offender_markers_set",
            "offender_markers_live",
        ),
        jobcentre,
    ),
    (
        ("finance_gap_median_days", "advances_requested", "advances_eligible", "rapid_reclaims"),
        post_release_claims,
    ),
    (("data_completeness",), data_completeness),
    (FUNNEL_BY_AGENCY, funnel_by_agency),
]


def compute_all(ctx: Context, progress: Callable[[int], None] | None = None) -> list[Row]:
    """Every measure's rows, in the CSV's order (measure order, then breakdown order)."""
    rows: list[Row] = []
    for index, (ids, compute) in enumerate(COMPUTERS):
        try:
            rows += compute(ctx)
        except NotAvailable as exc:
            rows += [Row(m, "all", available=False, note=str(exc)) for m in ids]
        if progress:
            progress(10 + 70 * (index + 1) // len(COMPUTERS))
    order = {m.id: i for i, m in enumerate(MEASURES)}
    return sorted(rows, key=lambda r: order[r.measure])  # stable: breakdown order kept


# --- Small-number suppression ---------------------------------------------------------------

COUNT_CELLS = ("numerator", "denominator", "not_yet_due", "unknown", "awaiting_verification")


def suppress(rows: list[Row], threshold: int | None = None) -> list[Row]:
    """Counts below the threshold become "<5"; so does any rate, mean or median computed from one;
    then complementary suppression, so that no hidden cell can be worked out from the others.

    Used for everything a commissioner outside the owning agency sees (region reports).
    """
    threshold = settings.SMALL_NUMBER_THRESHOLD if threshold is None else threshold
    mark = f"<{threshold}"

    def small(v):
        return isinstance(v, int) and not isinstance(v, bool) and v < threshold

    out = []
    for row in rows:
        kind = BY_ID[row.measure].kind
        if kind == "target":
            out.append(row)
            continue
        values = {c: getattr(row, c) for c in Row.COLUMNS}
        base = (
            [row.value]
            if kind == "count"
            else [row.numerator, row.denominator]
            if kind == "rate"
            else [row.numerator]
        )
        if row.available and any(small(v) for v in base if v is not None) and row.value is not None:
            values["value"] = mark
        if kind == "count" and small(row.value):
            values["value"] = mark
        for c in COUNT_CELLS:
            if small(values[c]):
                values[c] = mark
        out.append(
            Row(row.measure, row.breakdown, available=row.available, note=row.note, **values)
        )
    return complementary(out, mark, threshold)


def _partitions(rows: list[Row]) -> dict:
    """{(measure, breakdown kind): (the measure's `all` row, [rows of that kind])}: each kind of
    breakdown (support level, location, source, agency) splits `all` into parts that add up to it."""
    totals = {r.measure: r for r in rows if r.breakdown == "all"}
    parts: dict = {}
    for row in rows:
        if row.breakdown != "all" and row.measure in totals:
            parts.setdefault((row.measure, row.breakdown.split(":", 1)[0]), []).append(row)
    return {key: (totals[key[0]], members) for key, members in parts.items()}


def complementary(rows: list[Row], mark: str, threshold: int) -> list[Row]:
    """Complementary suppression (docs/adr/0013): where one part of a breakdown is hidden and the
    total is shown, the total less the other parts would give it back, so the smallest other part is
    hidden too. Then every rate, mean or median built on a hidden count is hidden."""
    for total, members in _partitions(rows).values():
        kind = BY_ID[total.measure].kind
        if kind == "target":
            continue
        for column in ("value", *COUNT_CELLS) if kind == "count" else COUNT_CELLS:
            if getattr(total, column) in (None, mark):
                continue
            while True:
                hidden = [r for r in members if getattr(r, column) == mark]
                shown = [r for r in members if isinstance(getattr(r, column), int)]
                left = getattr(total, column) - sum(getattr(r, column) for r in shown)
                # one hidden part is the total less the others; several are each found when the
                # remainder can only be made one way (all of them at threshold - 1)
                exposed = len(hidden) == 1 or (
                    len(hidden) > 1 and left == len(hidden) * (threshold - 1)
                )
                if not (hidden and shown and exposed):
                    break
                setattr(min(shown, key=lambda r: getattr(r, column)), column, mark)
    for row in rows:
        kind = BY_ID[row.measure].kind
        base = ("numerator", "denominator") if kind == "rate" else ("numerator",)
        hidden_base = any(getattr(row, c) == mark for c in base)
        if kind in ("rate", "mean", "median") and row.value is not None and hidden_base:
            row.value = mark
    return rows


# --- Trend ----------------------------------------------------------------------------------


def trend(ctx: Context) -> list[tuple[datetime.date, dict]]:
    """Starts and job starts in each of the 12 months to the period's last month (one grouped query each)."""
    first = add_months(ctx.last, -11)
    months = [add_months(first, i) for i in range(12)]
    series = {"Starts": _per_month(ctx.cases, "start_date", first, ctx.next_month)}
    spell_model = model_or_none("employers.EmploymentSpell")
    if spell_model is not None:
        from employers.models import OUTCOME_KINDS

        spells = spell_model.objects.filter(case__in=ctx.cases.values("pk"), kind__in=OUTCOME_KINDS)
        series["Job starts"] = _per_month(spells, "start_date", first, ctx.next_month)
    return [(m, {name: counts.get(m, 0) for name, counts in series.items()}) for m in months]


def _per_month(qs: QuerySet, date_field: str, first: datetime.date, end: datetime.date) -> dict:
    rows = (
        qs.filter(**{f"{date_field}__gte": first, f"{date_field}__lt": end})
        .order_by()
        .annotate(m=TruncMonth(date_field))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    return {(m.date() if isinstance(m, datetime.datetime) else m): n for m, n in rows}
