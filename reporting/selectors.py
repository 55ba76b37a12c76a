"""Reads for reports and post-exit checks, scoped to what the acting user may see."""

from django.db.models import Q

from core.errors import NotFound
from reporting.models import CheckStatus, PostExitEmploymentCheck, ReoffendingCheck, Report
from reporting.services import scope_for


def reports_for_user(*, user):
    """The acting manager's reports: their agency's, or for a commissioner their region's (403 for other roles)."""
    own = scope_for(user)
    return (
        Report.objects.filter(scope=own["scope"], agency=own["agency"], region=own["region"])
        .select_related("agency", "region")
        .prefetch_related("versions")
        .order_by("-to_month", "-month", "-id")
    )


def get_report(*, user, pk) -> Report:
    try:
        return reports_for_user(user=user).get(pk=int(pk))
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFound("Report not found") from None


def _owned(qs, user):
    return qs.for_user(user).filter(case__owning_agency_id=user.acting.agency_id)


def open_checks_for_user(*, user) -> dict:
    """Open post-exit checks on cases the acting agency owns (the people it may see)."""
    reoffending = (
        _owned(ReoffendingCheck.objects, user)
        .filter(status=CheckStatus.OPEN)
        .select_related("case__person")
        .order_by("due_on", "id")
    )
    employment = (
        _owned(PostExitEmploymentCheck.objects, user)
        .filter(status=CheckStatus.OPEN)
        .select_related("case__person")
        .order_by("due_on", "id")
    )
    return {"reoffending": reoffending, "employment": employment}


def checks_for_case(*, user, case) -> dict:
    visible = Q(case=case)
    return {
        "reoffending": list(
            ReoffendingCheck.objects.for_user(user).filter(visible).select_related("recorded_by")
        ),
        "employment": list(
            PostExitEmploymentCheck.objects.for_user(user)
            .filter(visible)
            .select_related("recorded_by")
        ),
    }


def get_check(*, user, model, pk):
    try:
        return (
            model.objects.for_user(user)
            .select_related("case__person", "case__owning_agency")
            .get(pk=int(pk))
        )
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound("Check not found") from None
