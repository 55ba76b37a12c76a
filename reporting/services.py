"""Writes for reports and post-exit checks.

A report moves queued -> running -> ready | failed. `report_request` is idempotent (one report per
kind, month and scope, guarded by unique constraints) and re-queues a failed or stalled one;
`report_build` claims the report with a conditional update, computes the measures, renders the CSV
and the PDF in memory and stores both files only at the end, in the transaction that marks the
report ready. A build that fails or is killed leaves no file the report points to, and can be retried.

Liveness (docs/reliability.md): a running build writes `heartbeat_at` every REPORT_HEARTBEAT_SECONDS
from a side thread; a report without a sign of life is stalled (`models.stalled_q`): asking again, or
the `requeue_stalled_reports` job, queues it again. A message redelivered after its worker died has
the claimant's task id, so it takes the report over at once instead of waiting for the heartbeat.
"""

import datetime
import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Region
from audit.models import Action
from audit.services import access_event_record
from casework.models import Case, EndReason
from consent import policy
from core.dispatch import enqueue_on_commit
from core.errors import ApplicationError, Forbidden, NotFound
from core.replica import replica_reads
from reporting import documents, measures
from reporting.models import (
    WINDOW_MONTHS,
    CheckStatus,
    EnduringJobsTarget,
    InWork,
    PostExitEmploymentCheck,
    Reoffence,
    ReoffenceKind,
    ReoffenceSource,
    ReoffendingCheck,
    Report,
    ReportKind,
    ReportScope,
    ReportStatus,
    ReportVersion,
    report_upload_to,
    stalled_q,
)
from reporting.periods import add_months, month_start, months_in

logger = logging.getLogger(__name__)

EARLIEST_MONTH = datetime.date(2000, 1, 1)
MAX_PERIOD_MONTHS = 36


# --- Requesting -----------------------------------------------------------------------------


def scope_for(user) -> dict:
    """The report scope a manager may see: a commissioner their region, anyone else their agency."""
    policy.require(user, "report.view")
    agency = user.acting.agency
    if agency.kind == AgencyKind.COMMISSIONER:
        return {"scope": ReportScope.REGION, "agency": None, "region": agency.region}
    return {"scope": ReportScope.AGENCY, "agency": agency, "region": None}


def _requeue(report: Report, *, requested_by=None) -> bool:
    """Queue a failed or stalled report again (conditional on what we read: one winner)."""
    return bool(
        Report.objects.filter(
            pk=report.pk, status=report.status, heartbeat_at=report.heartbeat_at
        ).update(
            status=ReportStatus.QUEUED,
            progress=0,
            error="",
            heartbeat_at=timezone.now(),
            build_task_id="",
            requested_by=requested_by or report.requested_by,
        )
    )


def _enqueue_build(report: Report) -> None:
    from reporting.tasks import build_report_task

    enqueue_on_commit(build_report_task, report.pk)


def _ensure(
    *,
    kind: str,
    month: datetime.date,
    to_month: datetime.date,
    scope: str,
    agency,
    region,
    requested_by,
) -> tuple[Report, bool]:
    """Get or create the report; queue it when new, failed or stalled. Returns (report, queued)."""
    report, created = Report.objects.get_or_create(
        kind=kind,
        month=month,
        to_month=to_month,
        scope=scope,
        agency=agency,
        region=region,
        defaults={
            "requested_by": requested_by,
            "status": ReportStatus.QUEUED,
            "heartbeat_at": timezone.now(),
        },
    )
    queued = created
    if not created and (report.status == ReportStatus.FAILED or report.is_stalled):
        queued = _requeue(report, requested_by=requested_by)
        report.refresh_from_db()
    if queued:
        _enqueue_build(report)
    return report, queued


def reports_requeue_stalled() -> dict:
    """The scheduled job: queue every stalled report again; one that has used REPORT_MAX_ATTEMPTS
    builds is marked failed instead (a manager can still ask again). Safe to run twice."""
    summary = {"requeued": 0, "failed": 0}
    for report in Report.objects.filter(stalled_q()).order_by("pk")[:500]:
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            summary["failed"] += Report.objects.filter(
                pk=report.pk, status=report.status, heartbeat_at=report.heartbeat_at
            ).update(
                status=ReportStatus.FAILED,
                progress=0,
                finished_at=timezone.now(),
                error="The report could not be built after several attempts. Try again; "
                "if it fails again, contact support.",
            )
            continue
        with transaction.atomic():
            if _requeue(report):
                _enqueue_build(report)
                summary["requeued"] += 1
    return summary


def _validate_month(month, field: str = "month") -> datetime.date:
    if not isinstance(month, datetime.date):
        raise ApplicationError("Enter the month as YYYY-MM", field=field)
    month = month_start(month)
    if month > month_start(policy.today()):
        raise ApplicationError("The period must not end in the future", field=field)
    if month < EARLIEST_MONTH:
        raise ApplicationError("The month must be in 2000 or later", field=field)
    return month


def validate_period(*, from_month, to_month) -> tuple[datetime.date, datetime.date]:
    """A period of whole months: not ending before it starts, not in the future, at most 36 months."""
    first = _validate_month(from_month, "from_month")
    last = _validate_month(to_month, "to_month")
    if last < first:
        raise ApplicationError(
            "The end of the period must not be before its start", field="to_month"
        )
    if months_in(first, last) > MAX_PERIOD_MONTHS:
        raise ApplicationError(
            f"A report covers at most {MAX_PERIOD_MONTHS} months: choose a shorter period",
            field="to_month",
        )
    return first, last


@transaction.atomic
def report_request(
    *,
    user,
    month: datetime.date | None = None,
    from_month: datetime.date | None = None,
    to_month: datetime.date | None = None,
    scope: str | None = None,
    kind: str = ReportKind.MONTHLY_OUTCOMES,
) -> tuple[Report, bool]:
    """Ask for a report of one `month`, or of the whole months `from_month` to `to_month`.

    Returns (report, queued): an existing queued, running or ready one is returned as it is.
    A one-month period is the monthly report, whichever way it was asked for.
    """
    own = scope_for(user)
    if kind not in ReportKind.values:
        raise ApplicationError("Unknown report kind", field="kind")
    if scope and scope not in ReportScope.values:
        raise ApplicationError("Scope must be agency or region", field="scope")
    if scope and scope != own["scope"]:
        raise Forbidden(f"Your agency can request {own['scope']} reports only.")
    if month is not None:
        first = last = _validate_month(month)
    elif from_month is None or to_month is None:
        raise ApplicationError("Enter the first and last month of the period", field="from_month")
    else:
        first, last = validate_period(from_month=from_month, to_month=to_month)
    kind = ReportKind.MONTHLY_OUTCOMES if first == last else ReportKind.OUTCOMES
    report, queued = _ensure(kind=kind, month=first, to_month=last, requested_by=user, **own)
    if queued:
        access_event_record(
            user=user,
            action=Action.CREATE,
            obj=report,
            detail={"from": f"{report.month:%Y-%m}", "to": f"{report.to_month:%Y-%m}"},
        )
    return report, queued


@transaction.atomic
def report_rebuild(*, user, report: Report) -> Report:
    """Build a ready report again with the figures as they are now; the earlier build is kept as a version."""
    policy.require(user, "report.view")
    if report.status != ReportStatus.READY:
        raise ApplicationError("Only a ready report can be rebuilt")
    queued = Report.objects.filter(pk=report.pk, status=ReportStatus.READY).update(
        status=ReportStatus.QUEUED,
        progress=0,
        error="",
        requested_by=user,
        heartbeat_at=timezone.now(),  # queued now, not stalled since the last build
        build_task_id="",
    )
    if queued:
        _enqueue_build(report)
        access_event_record(
            user=user,
            action=Action.CHANGE,
            obj=report,
            detail={
                "rebuild": True,
                "from": f"{report.month:%Y-%m}",
                "to": f"{report.to_month:%Y-%m}",
            },
        )
    report.refresh_from_db()
    return report


def target_agencies(user):
    """The agencies whose targets the acting manager sets: their own, or a commissioner's region's."""
    own = scope_for(user)
    if own["scope"] == ReportScope.REGION:
        return Agency.objects.filter(region=own["region"]).exclude(kind=AgencyKind.COMMISSIONER)
    return Agency.objects.filter(pk=own["agency"].pk)


@transaction.atomic
def enduring_jobs_target_set(
    *, user, agency: Agency, financial_year: int, annual_target: int
) -> EnduringJobsTarget:
    """Set an agency's annual enduring-jobs target for a financial year (a manager; audited)."""
    if not target_agencies(user).filter(pk=agency.pk).exists():
        raise NotFound("Agency not found")
    if not isinstance(annual_target, int) or annual_target < 0:
        raise ApplicationError(
            "The target must be a whole number, 0 or more", field="annual_target"
        )
    if not isinstance(financial_year, int) or not 2000 <= financial_year <= 2100:
        raise ApplicationError(
            "Enter the year the financial year starts in, such as 2026", field="financial_year"
        )
    target, _ = EnduringJobsTarget.objects.update_or_create(
        agency=agency,
        financial_year=financial_year,
        defaults={"annual_target": annual_target, "updated_by": user},
    )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        obj=target,
        detail={"financial_year": financial_year, "annual_target": annual_target},
    )
    return target


def monthly_reports_schedule(*, month: datetime.date) -> dict:
    """Last month's report for every agency with cases and every region. Running it twice adds nothing."""
    involved = (
        Agency.objects.filter(Q(owned_cases__isnull=False) | Q(involvements__isnull=False))
        .exclude(kind=AgencyKind.COMMISSIONER)
        .distinct()
    )
    summary = {"created": 0, "existing": 0}
    targets = [
        {"scope": ReportScope.AGENCY, "agency": a, "region": None} for a in involved.order_by("pk")
    ]
    targets += [
        {"scope": ReportScope.REGION, "agency": None, "region": r}
        for r in Region.objects.filter(agencies__isnull=False).distinct().order_by("pk")
    ]
    for target in targets:
        _report, queued = report_schedule(
            month=month, agency=target["agency"], region=target["region"]
        )
        summary["created" if queued else "existing"] += 1
    return summary


@transaction.atomic
def report_schedule(*, month: datetime.date, agency=None, region=None) -> tuple[Report, bool]:
    """A scheduled (system) request for one agency's or region's monthly report. Returns (report, queued)."""
    scope = ReportScope.AGENCY if agency is not None else ReportScope.REGION
    return _ensure(
        kind=ReportKind.MONTHLY_OUTCOMES,
        month=month_start(month),
        to_month=month_start(month),
        scope=scope,
        agency=agency,
        region=region if agency is None else None,
        requested_by=None,
    )


# --- Building -------------------------------------------------------------------------------


def _progress(report_id: int, started_at, value: int) -> None:
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING, started_at=started_at).update(
        progress=value, heartbeat_at=timezone.now()
    )


def _sweep_orphans(report: Report) -> None:
    """Delete files a killed build left in the report's folder (none of them is referenced)."""
    storage = report.pdf.storage
    folder = report_upload_to(report, "").rstrip("/")
    try:
        _dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    keep = {report.pdf.name, report.csv.name}
    for version in report.versions.all():
        keep |= {version.pdf.name, version.csv.name}
    for name in files:
        if f"{folder}/{name}" not in keep:
            storage.delete(f"{folder}/{name}")


def _store(report: Report, started_at, pdf: bytes, csv: bytes, data_as_at) -> Report:
    """Save both files, then point the report at them in one transaction; on any failure delete them."""
    storage = report.pdf.storage
    base = f"{report.kind}-{report.month:%Y-%m}-{report.to_month:%Y-%m}-{report.scope}-{report.attempts}"
    saved: list[str] = []
    try:
        saved.append(storage.save(report_upload_to(report, f"{base}.pdf"), ContentFile(pdf)))
        saved.append(storage.save(report_upload_to(report, f"{base}.csv"), ContentFile(csv)))
        with transaction.atomic():
            current = Report.objects.select_for_update().get(pk=report.pk)
            if current.status != ReportStatus.RUNNING or current.started_at != started_at:
                logger.warning(
                    "report %s was reclaimed by another build; discarding this one", report.pk
                )
                raise _Superseded
            old = [n for n in (current.pdf.name, current.csv.name) if n]
            if current.pdf.name and current.csv.name:  # a rebuild: the earlier files stay, listed
                ReportVersion.objects.create(
                    report=current,
                    number=current.versions.count() + 1,
                    pdf=current.pdf.name,
                    csv=current.csv.name,
                    data_as_at=current.data_as_at,
                )
                old = []
            current.pdf.name, current.csv.name = saved
            current.status, current.progress, current.error = ReportStatus.READY, 100, ""
            current.finished_at, current.data_as_at = timezone.now(), data_as_at
            current.save(
                update_fields=[
                    "pdf",
                    "csv",
                    "status",
                    "progress",
                    "error",
                    "finished_at",
                    "data_as_at",
                ]
            )
            transaction.on_commit(lambda: [storage.delete(n) for n in old if n not in saved])
        return current
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise


class _Superseded(Exception):  # noqa: N818
    pass


_BEAT_SQL = (
    "UPDATE reporting_report SET heartbeat_at = %s WHERE id = ("
    "SELECT id FROM reporting_report WHERE id = %s AND status = %s AND started_at = %s"
    " FOR UPDATE SKIP LOCKED)"
)


def _beat(report_id: int, started_at) -> None:
    """One heartbeat; skips a row locked by someone else rather than waiting for it."""
    with connection.cursor() as cursor:
        cursor.execute(_BEAT_SQL, [timezone.now(), report_id, ReportStatus.RUNNING, started_at])


@contextmanager
def _heartbeat(report_id: int, started_at):
    """Beat every REPORT_HEARTBEAT_SECONDS from a side thread while the build runs (also through a
    long PDF render). A killed process stops beating, which is how a stalled build is seen."""
    if connection.vendor != "postgresql":  # the SQLite demo builds eagerly in the request
        yield
        return
    stop = threading.Event()

    def run():
        try:
            while not stop.wait(settings.REPORT_HEARTBEAT_SECONDS):
                try:
                    _beat(report_id, started_at)
                except Exception:  # a database blip must not kill the build; the next beat retries
                    logger.warning("report %s heartbeat failed", report_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run, name=f"report-{report_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=settings.REPORT_HEARTBEAT_SECONDS + 5)


def _claim(report_id: int, task_id: str, started_at) -> bool:
    """Take a queued report, a stalled running one, or one claimed by this same task id (the message
    was redelivered because the worker that ran it died: that build is gone)."""
    stale = started_at - datetime.timedelta(seconds=settings.REPORT_STALL_SECONDS)
    claimable = (
        Q(status=ReportStatus.QUEUED)
        | Q(status=ReportStatus.RUNNING, heartbeat_at__lt=stale)
        | Q(status=ReportStatus.RUNNING, heartbeat_at__isnull=True)
    )
    if task_id:
        claimable |= Q(status=ReportStatus.RUNNING, build_task_id=task_id)
    return bool(
        Report.objects.filter(claimable, pk=report_id).update(
            status=ReportStatus.RUNNING,
            started_at=started_at,
            heartbeat_at=started_at,
            build_task_id=task_id,
            progress=5,
            error="",
            attempts=F("attempts") + 1,
        )
    )


def report_build(*, report_id: int, task_id: str = "") -> Report | None:
    """Build a queued (or stalled) report. Safe to call twice: a report another live build holds is left alone."""
    started_at = timezone.now()
    if not _claim(report_id, task_id, started_at):
        return Report.objects.filter(pk=report_id).first()
    report = Report.objects.select_related("agency", "region").get(pk=report_id)
    with _heartbeat(report_id, started_at):
        return _build(report, started_at)


def _build(report: Report, started_at) -> Report:
    report_id = report.pk
    try:
        _sweep_orphans(report)
        data_as_at = timezone.now()
        with replica_reads():  # the reporting replica when there is one (core/replica.py)
            ctx = measures.context_for(
                month=report.month,
                to_month=report.to_month,
                agency=report.agency,
                region=report.region,
            )
            rows = measures.compute_all(ctx, progress=lambda p: _progress(report.pk, started_at, p))
            rows = measures.suppress(rows) if report.suppressed else rows
            trend = measures.trend(ctx)
        csv_bytes = documents.render_csv(rows)
        _progress(report.pk, started_at, 85)
        pdf_bytes = documents.render_report_pdf(
            report=report, rows=rows, trend=trend, produced_at=timezone.now(), data_as_at=data_as_at
        )
        _progress(report.pk, started_at, 95)
        return _store(report, started_at, pdf_bytes, csv_bytes, data_as_at)
    except _Superseded:
        return Report.objects.get(pk=report_id)
    except Exception as exc:
        logger.exception("report %s failed", report_id)
        Report.objects.filter(
            pk=report_id, status=ReportStatus.RUNNING, started_at=started_at
        ).update(
            status=ReportStatus.FAILED,
            progress=0,
            finished_at=timezone.now(),
            error=f"The report could not be built ({type(exc).__name__}). Try again; if it fails again, contact support.",
        )
        return Report.objects.get(pk=report_id)


# --- Downloading ----------------------------------------------------------------------------


@transaction.atomic
def report_download(*, user, report: Report, file_format: str):
    """The stored file, after writing the download to the audit trail."""
    policy.require(user, "report.view")
    if file_format not in ("pdf", "csv"):
        raise NotFound("No such file")
    if not report.is_ready:
        raise NotFound("This report is not ready yet")
    access_event_record(
        user=user,
        action=Action.DOWNLOAD,
        person=None,
        obj=report,
        detail={
            "format": file_format,
            "from": f"{report.month:%Y-%m}",
            "to": f"{report.to_month:%Y-%m}",
            "scope": report.scope,
        },
    )
    return report.pdf if file_format == "pdf" else report.csv


@transaction.atomic
def report_version_download(*, user, report: Report, number: int, file_format: str):
    """An earlier build's stored file, after writing the download to the audit trail."""
    policy.require(user, "report.view")
    version = report.versions.filter(number=number).first()
    if version is None or file_format not in ("pdf", "csv"):
        raise NotFound("No such file")
    access_event_record(
        user=user,
        action=Action.DOWNLOAD,
        person=None,
        obj=report,
        detail={"format": file_format, "version": number, "scope": report.scope},
    )
    return version.pdf if file_format == "pdf" else version.csv


# --- Post-exit checks -----------------------------------------------------------------------


def post_exit_checks_open(*, today: datetime.date) -> dict:
    """Open the re-offending checks and the +6-month employment check whose windows have closed.

    Candidates are narrowed in SQL (a few days' margin for month-end clipping), due dates computed
    exactly, and rows inserted with ignore_conflicts under unique constraints: running twice adds nothing.
    """
    opened = {"reoffending": 0, "employment": 0}
    live = Case.objects.filter(person__anonymised_at__isnull=True)
    margin = datetime.timedelta(days=3)
    ended = live.filter(end_date__isnull=False).exclude(end_reason=EndReason.DIED)
    for window, months in WINDOW_MONTHS.items():
        candidates = ended.filter(end_date__lte=add_months(today, -months) + margin).exclude(
            Exists(ReoffendingCheck.objects.filter(case=OuterRef("pk"), window=window))
        )
        new = [
            ReoffendingCheck(case_id=pk, window=window, due_on=add_months(end, months))
            for pk, end in candidates.values_list("pk", "end_date").iterator()
            if add_months(end, months) <= today
        ]
        opened["reoffending"] += len(
            ReoffendingCheck.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        )
    candidates = live.filter(planned_end_date__lte=add_months(today, -6) + margin).exclude(
        Exists(PostExitEmploymentCheck.objects.filter(case=OuterRef("pk")))
    )
    new = [
        PostExitEmploymentCheck(case_id=pk, due_on=add_months(end, 6))
        for pk, end in candidates.values_list("pk", "planned_end_date").iterator()
        if add_months(end, 6) <= today
    ]
    opened["employment"] += len(
        PostExitEmploymentCheck.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    )
    return opened


def _require_owner(user, case) -> None:
    policy.require(user, "case.change")
    policy.require_owner(user, case)


@transaction.atomic
def reoffending_check_record(
    *, user, check: ReoffendingCheck, reoffended: bool, recorded_on: datetime.date | None = None
) -> ReoffendingCheck:
    """The owning agency records whether the person re-offended in the window (a correction is allowed)."""
    _require_owner(user, check.case)
    recorded_on = recorded_on or policy.today()
    if recorded_on < check.due_on:
        raise ApplicationError(
            "The check cannot be recorded before its window closes", field="recorded_on"
        )
    if recorded_on > policy.today():
        raise ApplicationError("The date must not be in the future", field="recorded_on")
    ReoffendingCheck.objects.filter(pk=check.pk).update(
        status=CheckStatus.RECORDED,
        reoffended=bool(reoffended),
        recorded_on=recorded_on,
        recorded_by=user,
    )
    check.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=check.case.person,
        obj=check,
        detail={"window": check.window},
    )
    return check


@transaction.atomic
def reoffence_record(
    *,
    user,
    case: Case,
    kind: str,
    offence_date: datetime.date,
    source: str,
    disposal_date: datetime.date | None = None,
) -> Reoffence:
    """The owning agency records a proven re-offence (with its disposal) or a recall, as a dated fact
    (who may: consent.policy.may_record_reoffence; audited)."""
    policy.require_reoffence_record(user, case)
    if kind not in ReoffenceKind.values:
        raise ApplicationError("Select a proven re-offence or a recall", field="kind")
    if source not in ReoffenceSource.values:
        raise ApplicationError("Select where the record comes from", field="source")
    if not isinstance(offence_date, datetime.date):
        raise ApplicationError("Enter the date", field="offence_date")
    if offence_date > policy.today():
        raise ApplicationError("The date must be today or in the past", field="offence_date")
    if offence_date < case.start_date:
        raise ApplicationError(
            f"The date must be on or after the start of support ({case.start_date:%-d %B %Y})",
            field="offence_date",
        )
    if kind == ReoffenceKind.PROVEN:
        if not isinstance(disposal_date, datetime.date):
            raise ApplicationError("Enter the disposal date", field="disposal_date")
        if disposal_date < offence_date:
            raise ApplicationError(
                "The disposal date must be on or after the offence date", field="disposal_date"
            )
        if disposal_date > policy.today():
            raise ApplicationError(
                "The disposal date must be today or in the past", field="disposal_date"
            )
    fact = Reoffence.objects.create(
        case=case,
        kind=kind,
        offence_date=offence_date,
        disposal_date=disposal_date if kind == ReoffenceKind.PROVEN else None,
        source=source,
        recorded_by=user,
    )
    access_event_record(
        user=user, action=Action.CREATE, person=case.person, obj=fact, detail={"kind": kind}
    )
    return fact


@transaction.atomic
def employment_check_record(
    *, user, check: PostExitEmploymentCheck, in_work: str, recorded_on: datetime.date | None = None
) -> PostExitEmploymentCheck:
    _require_owner(user, check.case)
    if in_work not in InWork.values:
        raise ApplicationError("Select whether the person is in work", field="in_work")
    recorded_on = recorded_on or policy.today()
    if recorded_on > policy.today():
        raise ApplicationError("The date must not be in the future", field="recorded_on")
    PostExitEmploymentCheck.objects.filter(pk=check.pk).update(
        status=CheckStatus.RECORDED, in_work=in_work, recorded_on=recorded_on, recorded_by=user
    )
    check.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=check.case.person,
        obj=check,
        detail={"check": "employment_6m"},
    )
    return check
