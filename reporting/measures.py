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
from django.db.models import Count, DateField, Exists, Func, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from agencies.models import Agency
from casework.models import (
    AccommodationStatus,
    BenefitStatus,
    Case,
    EmploymentStatus,
    EndReason,
    SupportLevel,
)
from consent.models import CaseInvolvement
from reporting.models import (
    WINDOW_MONTHS,
    InWork,
    PostExitEmploymentCheck,
    ReoffendingCheck,
    ReoffendingWindow,
)
from reporting.periods import add_months, financial_year_start, month_end

NOT_RECORDED = "not recorded"
SUPPORT_LEVELS = [level.value for level in SupportLevel]


@dataclass(frozen=True)
class Measure:
    id: str
    group: str
    label: str
    kind: str  # count | rate | mean | median | target (a target, never suppressed)
    definition: str


GROUPS = {"funnel": "Funnel", "key": "Key outcomes", "jobcentre": "Jobcentre", "work": "Work and data"}

MEASURES = [
    Measure("referrals_received", "funnel", "Referrals received", "count",
            "Referrals sent to the agency (region: to its agencies) in the month, by the kind of agency that sent them."),
    Measure("starts", "funnel", "Starts", "count", "Cases whose support started in the month."),
    Measure("interviews", "funnel", "Interviews", "count", "Job interviews dated in the month."),
    Measure("job_offers", "funnel", "Job offers", "count", "Applications that reached 'offered' in the month."),
    Measure("job_starts", "funnel", "Job starts", "count", "Employment spells starting in the month."),
    Measure("interview_to_job_rate", "funnel", "Interview-to-job conversion", "rate",
            "Job starts in the month divided by interviews in the month."),
    Measure("median_weeks_to_first_job", "funnel", "Median weeks to first job", "median",
            "For people whose first job started in the month: median weeks from the start of support to it "
            "(numerator: the number of people)."),
    Measure("enduring_jobs_year_to_date", "funnel", "Enduring jobs, year to date", "count",
            "People reaching 12 weeks' continuous employment since 1 April (first achievement)."),
    Measure("enduring_jobs_target_year_to_date", "funnel", "Enduring jobs target, year to date", "target",
            "The annual target (ENDURING_JOBS_ANNUAL_TARGET) pro-rated to the months of the financial year so far."),
    Measure("no_job_6m_after_planned_end", "key", "No job by 6 months after planned end", "rate",
            "People whose planned end + 6 months falls in the month and who had no job starting between the start "
            "of support and that day (lower is better). A job counts when a spell is recorded or the +6-month check "
            "says in work; with neither, the outcome is unknown."),
    Measure("continuous_employment_4w", "key", "Continuously employed 4 weeks", "rate",
            "People whose employment run reaches 28 days in the month, of those whose run would have reached it "
            "in the month (people, not jobs; first achievement counts)."),
    Measure("continuous_employment_8w", "key", "Continuously employed 8 weeks", "rate", "As above, 56 days."),
    Measure("continuous_employment_12w", "key", "Continuously employed 12 weeks", "rate", "As above, 84 days."),
    Measure("employer_feedback_service", "key", "Employer feedback on the service", "mean",
            "Mean rating (1 to 5) of employers' feedback on the service given in the month; numerator: responses."),
    Measure("employer_feedback_employee", "key", "Employer feedback on the people placed", "mean",
            "Mean rating (1 to 5) of employers' feedback on the person placed; numerator: responses."),
    Measure("offender_manager_feedback", "key", "Offender manager feedback", "mean",
            "Mean rating (1 to 5) of offender managers' feedback; numerator: responses."),
    Measure("person_feedback", "key", "The person's own feedback", "mean",
            "Mean rating (1 to 5) of the feedback of the people supported; numerator: responses."),
    Measure("no_reoffending_during_support", "key", "Did not re-offend during support", "rate",
            "People whose support ended in the month with a recorded re-offending check saying they did not "
            "re-offend, of those with a recorded answer. Open or missing checks are unknown."),
    Measure("no_reoffending_6m", "key", "Did not re-offend within 6 months", "rate",
            "As above, for the window from the start of support to 6 months after its end (nested: a "
            "re-offence in an earlier window counts)."),
    Measure("no_reoffending_12m", "key", "Did not re-offend within a year", "rate",
            "As above, to 12 months after the end of support."),
    Measure("claim_closures", "jobcentre", "Benefit claims closed", "count",
            "Benefit claims confirmed closed at reception in the month."),
    Measure("claim_closure_median_days", "jobcentre", "Claim closure turnaround (median days)", "median",
            "Median days from reception to the claim being confirmed closed; numerator: closures."),
    Measure("freshstart_booked", "jobcentre", "Freshstart appointments booked", "count",
            "Freshstart appointments dated in the month."),
    Measure("freshstart_attended", "jobcentre", "Freshstart appointments attended", "rate",
            "Appointments in the month recorded as attended, of those with attendance recorded."),
    Measure("offender_markers_set", "jobcentre", "Offender markers set", "count",
            "Offender markers set (with consent) in the month."),
    Measure("retention_checks_overdue", "work", "Retention checks overdue", "count",
            "Retention checks due on or before the last day of the month and not recorded by then."),
    Measure("referrals_overdue", "work", "Referrals overdue", "count",
            "Referrals sent and not answered by their respond-by date, as at the end of the month."),
    Measure("data_completeness", "work", "Data completeness", "rate",
            "Cases open in the month whose site, owner, employment, benefit and accommodation status are all recorded."),
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
    available: bool = True
    note: str = ""

    COLUMNS = ("value", "numerator", "denominator", "not_yet_due", "unknown")

    def cells(self) -> list[str]:
        return [self.measure, self.breakdown, *(format_cell(getattr(self, c)) for c in self.COLUMNS)]


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
    month: datetime.date  # first day
    cases: QuerySet  # every case credited to the scope
    agencies: QuerySet  # the scope's agencies
    locations: list[str] = field(default_factory=list)

    @property
    def next_month(self) -> datetime.date:
        return add_months(self.month, 1)

    @property
    def month_end(self) -> datetime.date:
        return month_end(self.month)

    @property
    def fy_start(self) -> datetime.date:
        return financial_year_start(self.month)

    def in_month(self, prefix: str) -> dict:
        return {f"{prefix}__gte": self.month, f"{prefix}__lt": self.next_month}

    def due_in_month(self, prefix: str, months: int) -> dict:
        """`prefix` + `months` falls in the report month (exact with month-end clipping)."""
        return {f"{prefix}__gte": add_months(self.month, -months), f"{prefix}__lt": add_months(self.next_month, -months)}

    def breakdowns(self) -> list[str]:
        return ["all", *(f"support_level:{lv}" for lv in SUPPORT_LEVELS), *(f"location:{loc}" for loc in self.locations)]


def cases_for_scope(*, agency=None, region=None) -> QuerySet:
    if agency is not None:
        involved = CaseInvolvement.objects.filter(agency=agency).values("case_id")
        return Case.objects.filter(Q(owning_agency=agency) | Q(pk__in=involved))
    return Case.objects.filter(owning_agency__region=region)


def context_for(*, month: datetime.date, agency=None, region=None) -> Context:
    cases = cases_for_scope(agency=agency, region=region)
    agencies = Agency.objects.filter(pk=agency.pk) if agency is not None else Agency.objects.filter(region=region)
    ctx = Context(month=month, cases=cases, agencies=agencies)
    names = cases.filter(start_date__lt=ctx.next_month).values_list("site__name", flat=True).distinct().order_by()
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

def grouped(qs: QuerySet, ctx: Context, aggregates: dict, case_prefix: str = "") -> dict[str, dict]:
    """The aggregates for every breakdown: three GROUP BY queries (all, support level, site)."""
    level_key, site_key = f"{case_prefix}support_level", f"{case_prefix}site__name"
    empty = dict.fromkeys(aggregates, 0)
    out = {"all": {**empty, **{k: v or 0 for k, v in qs.aggregate(**aggregates).items()}}}
    levels = {r[level_key]: r for r in qs.order_by().values(level_key).annotate(**aggregates)}
    for level in SUPPORT_LEVELS:
        out[f"support_level:{level}"] = levels.get(level, empty)
    sites = {r[site_key] or NOT_RECORDED: r for r in qs.order_by().values(site_key).annotate(**aggregates)}
    for loc in ctx.locations:
        out[f"location:{loc}"] = sites.get(loc, empty)
    return out


def _rate(numerator: int, denominator: int):
    return numerator / denominator if denominator else None


def _rate_rows(measure: str, groups: dict, *, yes: str, known: str, due: str = "", later: int | None = None,
               later_by: dict | None = None) -> list[Row]:
    rows = []
    for breakdown, g in groups.items():
        unknown = g[due] - g[known] if due else None
        not_yet = (later_by or {}).get(breakdown, 0) if later_by is not None else later
        rows.append(Row(measure, breakdown, value=_rate(g[yes], g[known]), numerator=g[yes], denominator=g[known],
                        not_yet_due=not_yet, unknown=unknown))
    return rows


def _counts(qs: QuerySet, ctx: Context, case_prefix: str = "") -> dict[str, int]:
    return {b: g["n"] for b, g in grouped(qs, ctx, {"n": Count("pk")}, case_prefix).items()}


# --- Measures on cases and post-exit checks ---------------------------------------------------

def starts(ctx: Context) -> list[Row]:
    counts = _counts(ctx.cases.filter(**ctx.in_month("start_date")), ctx)
    return [Row("starts", b, value=n) for b, n in counts.items()]


def no_job_6m_after_planned_end(ctx: Context) -> list[Row]:
    cases = ctx.cases.filter(start_date__lt=ctx.next_month)
    check = PostExitEmploymentCheck.objects.filter(case=OuterRef("pk"), status="recorded")
    worked = Q(Exists(check.filter(in_work=InWork.YES)))
    spell_model = model_or_none("employers.EmploymentSpell")
    if spell_model is not None:
        worked |= Q(Exists(spell_model.objects.filter(
            person=OuterRef("person_id"), start_date__gte=OuterRef("start_date"),
            start_date__lte=AddMonths(OuterRef("planned_end_date"), 6))))
    not_worked = Q(Exists(check.filter(in_work=InWork.NO))) & ~worked
    due = cases.filter(**ctx.due_in_month("planned_end_date", 6))
    groups = grouped(due, ctx, {"due": Count("pk"), "worked": Count("pk", filter=worked),
                                "no_job": Count("pk", filter=not_worked)})
    for g in groups.values():
        g["known"] = g["worked"] + g["no_job"]
    later = _counts(cases.filter(planned_end_date__gte=add_months(ctx.next_month, -6)), ctx)
    return _rate_rows("no_job_6m_after_planned_end", groups, yes="no_job", known="known", due="due", later_by=later)


REOFFENDING_MEASURES = {
    ReoffendingWindow.DURING_SUPPORT: "no_reoffending_during_support",
    ReoffendingWindow.SIX_MONTHS: "no_reoffending_6m",
    ReoffendingWindow.TWELVE_MONTHS: "no_reoffending_12m",
}
WINDOW_ORDER = list(REOFFENDING_MEASURES)


def no_reoffending(ctx: Context) -> list[Row]:
    """Nested windows: a re-offence recorded for an earlier window counts in every later one."""
    cases = ctx.cases.filter(start_date__lt=ctx.next_month).exclude(end_reason=EndReason.DIED)
    rows = []
    for position, window in enumerate(WINDOW_ORDER):
        months = WINDOW_MONTHS[window]
        checks = ReoffendingCheck.objects.filter(case=OuterRef("pk"), status="recorded")
        yes = Q(Exists(checks.filter(window__in=WINDOW_ORDER[:position + 1], reoffended=True)))
        no = Q(Exists(checks.filter(window=window, reoffended=False))) & ~yes
        due = cases.filter(**ctx.due_in_month("end_date", months))
        groups = grouped(due, ctx, {"due": Count("pk"), "yes": Count("pk", filter=yes), "no": Count("pk", filter=no)})
        for g in groups.values():
            g["known"] = g["yes"] + g["no"]
        later = _counts(cases.filter(Q(end_date__isnull=True) | Q(end_date__gte=add_months(ctx.next_month, -months))), ctx)
        rows += _rate_rows(REOFFENDING_MEASURES[window], groups, yes="no", known="known", due="due", later_by=later)
    return rows


def data_completeness(ctx: Context) -> list[Row]:
    active = ctx.cases.filter(Q(end_date__isnull=True) | Q(end_date__gte=ctx.month), start_date__lt=ctx.next_month)
    complete = Q(site__isnull=False, owner__isnull=False) & ~Q(person__employment_status=EmploymentStatus.UNKNOWN) \
        & ~Q(person__benefit_status=BenefitStatus.UNKNOWN) & ~Q(person__accommodation_status=AccommodationStatus.UNKNOWN)
    groups = grouped(active, ctx, {"active": Count("pk"), "complete": Count("pk", filter=complete)})
    return _rate_rows("data_completeness", groups, yes="complete", known="active")


def enduring_jobs_target_year_to_date(ctx: Context) -> list[Row]:
    months = (ctx.month.year - ctx.fy_start.year) * 12 + ctx.month.month - ctx.fy_start.month + 1
    return [Row("enduring_jobs_target_year_to_date", "all", value=round(settings.ENDURING_JOBS_ANNUAL_TARGET * months / 12))]


# --- Measures on other apps' records (available once those apps record them) -----------------

def _needs(label: str) -> Callable[[Context], list[Row]]:
    def compute(ctx: Context) -> list[Row]:
        raise NotAvailable(f"{label} are not recorded in Resettle yet")

    return compute


COMPUTERS: list[tuple[tuple[str, ...], Callable[[Context], list[Row]]]] = [
    (("referrals_received", "referrals_overdue"), _needs("referrals")),
    (("starts",), starts),
    (("interviews", "job_offers", "job_starts", "interview_to_job_rate", "median_weeks_to_first_job",
      "enduring_jobs_year_to_date", "continuous_employment_4w", "continuous_employment_8w",
      "continuous_employment_12w", "retention_checks_overdue"), _needs("job applications and employment spells")),
    (("employer_feedback_service", "employer_feedback_employee", "offender_manager_feedback", "person_feedback"),
     _needs("feedback responses")),
    (("enduring_jobs_target_year_to_date",), enduring_jobs_target_year_to_date),
    (("no_job_6m_after_planned_end",), no_job_6m_after_planned_end),
    (("no_reoffending_during_support", "no_reoffending_6m", "no_reoffending_12m"), no_reoffending),
    (("claim_closures", "claim_closure_median_days", "freshstart_booked", "freshstart_attended",
      "offender_markers_set"), _needs("claim closures, Freshstart appointments and markers")),
    (("data_completeness",), data_completeness),
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

COUNT_CELLS = ("numerator", "denominator", "not_yet_due", "unknown")


def suppress(rows: list[Row], threshold: int | None = None) -> list[Row]:
    """Counts below the threshold become "<5"; so does any rate, mean or median computed from one.

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
        base = [row.value] if kind == "count" else [row.numerator, row.denominator] if kind == "rate" else [row.numerator]
        if row.available and any(small(v) for v in base if v is not None) and row.value is not None:
            values["value"] = mark
        if kind == "count" and small(row.value):
            values["value"] = mark
        for c in COUNT_CELLS:
            if small(values[c]):
                values[c] = mark
        out.append(Row(row.measure, row.breakdown, available=row.available, note=row.note, **values))
    return out


# --- Trend ----------------------------------------------------------------------------------

def trend(ctx: Context) -> list[tuple[datetime.date, dict]]:
    """Starts and job starts in each of the 12 months to the report month (one grouped query each)."""
    first = add_months(ctx.month, -11)
    months = [add_months(first, i) for i in range(12)]
    series = {"Starts": _per_month(ctx.cases, "start_date", first, ctx.next_month)}
    spell_model = model_or_none("employers.EmploymentSpell")
    if spell_model is not None:
        spells = spell_model.objects.filter(case__in=ctx.cases.values("pk"))
        series["Job starts"] = _per_month(spells, "start_date", first, ctx.next_month)
    return [(m, {name: counts.get(m, 0) for name, counts in series.items()}) for m in months]


def _per_month(qs: QuerySet, date_field: str, first: datetime.date, end: datetime.date) -> dict:
    rows = (qs.filter(**{f"{date_field}__gte": first, f"{date_field}__lt": end}).order_by()
            .annotate(m=TruncMonth(date_field)).values("m").annotate(n=Count("pk")).values_list("m", "n"))
    return {(m.date() if isinstance(m, datetime.datetime) else m): n for m, n in rows}
