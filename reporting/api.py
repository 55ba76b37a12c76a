from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import Action
from audit.services import access_event_record
from consent import policy
from core.errors import ApplicationError, NotFound
from core.files import download_response
from reporting import selectors, services
from reporting.models import (
    EnduringJobsTarget,
    Reoffence,
    ReoffenceKind,
    ReoffenceSource,
    Report,
    ReportKind,
    ReportScope,
    ReportVersion,
)
from reporting.periods import parse_month


@extend_schema_field(
    {"type": "string", "pattern": r"^[12][0-9]{3}-(0[1-9]|1[0-2])$", "example": "2026-01"}
)
class MonthField(serializers.Field):
    """A month as "YYYY-MM"."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"

    def to_internal_value(self, data):
        try:
            return parse_month(str(data))
        except ValueError:
            raise serializers.ValidationError("Enter the month as YYYY-MM") from None


class ReportVersionSerializer(serializers.ModelSerializer):
    """An earlier build of the report: its number and when its figures were taken."""

    as_at = serializers.DateTimeField(source="data_as_at", read_only=True)

    class Meta:
        model = ReportVersion
        fields = ["number", "as_at", "superseded_at"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    as_at = serializers.DateTimeField(source="data_as_at", read_only=True, allow_null=True)
    agency = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )  # null for a region report
    region = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )  # null for an agency report
    stalled = serializers.BooleanField(
        source="is_stalled",
        read_only=True,
        help_text="Queued or running, but its build shows no sign of life: ask again to rebuild it",
    )
    pdf_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "month",
            "from",
            "to",
            "period",
            "scope",
            "agency",
            "region",
            "status",
            "stalled",
            "progress",
            "error",
            "created_at",
            "finished_at",
            "data_as_at",
            "as_at",
            "pdf_url",
            "csv_url",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        fields["versions"] = ReportVersionSerializer(many=True, read_only=True)
        fields["from"] = MonthField(source="month", read_only=True)
        fields["to"] = MonthField(source="to_month", read_only=True)
        fields["period"] = serializers.CharField(source="period_label", read_only=True)
        return fields

    def build_field(self, field_name, info, model_class, nested_depth):
        if field_name in ("from", "to", "period"):  # declared in get_fields
            return serializers.ReadOnlyField, {}
        return super().build_field(field_name, info, model_class, nested_depth)

    def _url(self, report, fmt):
        if not report.is_ready:
            return None
        request = self.context.get("request")
        path = f"/api/v1/reports/{report.pk}/{fmt}/"
        return request.build_absolute_uri(path) if request else path

    def get_pdf_url(self, report) -> str | None:
        return self._url(report, "pdf")

    def get_csv_url(self, report) -> str | None:
        return self._url(report, "csv")


class ReportRequestSerializer(serializers.Serializer):
    """`{"kind": "outcomes", "from": "YYYY-MM", "to": "YYYY-MM"}`, or one `month` (monthly_outcomes)."""

    kind = serializers.ChoiceField(choices=ReportKind.choices, default=ReportKind.MONTHLY_OUTCOMES)
    month = MonthField(required=False)
    scope = serializers.ChoiceField(choices=ReportScope.choices, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = MonthField(required=False)
        fields["to"] = MonthField(required=False)
        return fields

    def validate(self, attrs):
        first, last = attrs.pop("from", None), attrs.pop("to", None)
        if "month" in attrs:
            if first or last:
                raise serializers.ValidationError({"month": ["Give either month or from and to"]})
            return attrs
        missing = {
            k: ["Enter the month as YYYY-MM"]
            for k, v in (("from", first), ("to", last))
            if v is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        return {**attrs, "from_month": first, "to_month": last}


API_FIELDS = {"from_month": "from", "to_month": "to"}


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monthly outcome reports of the acting manager's agency (a commissioner: their region)."""

    serializer_class = ReportSerializer
    queryset = (
        Report.objects.none()
    )  # for the schema only (typed {id}); get_queryset scopes every request

    def get_queryset(self):
        return selectors.reports_for_user(user=self.request.user)

    def get_object(self):
        return selectors.get_report(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=ReportRequestSerializer, responses={201: ReportSerializer, 200: ReportSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            report, queued = services.report_request(user=request.user, **serializer.validated_data)
        except ApplicationError as exc:
            exc.field = API_FIELDS.get(exc.field, exc.field)
            raise
        report.refresh_from_db()
        return Response(
            ReportSerializer(report, context={"request": request}).data,
            status=status.HTTP_201_CREATED if queued else status.HTTP_200_OK,
        )

    def _download(self, request, file_format):
        report = self.get_object()
        stored = services.report_download(user=request.user, report=report, file_format=file_format)
        return download_response(
            stored,
            filename=report.filename(file_format),
            content_type="application/pdf" if file_format == "pdf" else "text/csv; charset=utf-8",
        )

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        """Build a ready report again with today's figures; the earlier build stays as a version."""
        report = services.report_rebuild(user=request.user, report=self.get_object())
        return Response(ReportSerializer(report, context={"request": request}).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return self._download(request, "pdf")

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        return self._download(request, "csv")


class TargetSerializer(serializers.ModelSerializer):
    """An agency's annual enduring-jobs target for a financial year (starting 1 April of it)."""

    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = EnduringJobsTarget
        fields = ["id", "agency", "agency_name", "financial_year", "annual_target", "updated_at"]
        read_only_fields = ["id", "agency_name", "updated_at"]


class TargetWriteSerializer(serializers.Serializer):
    agency = serializers.IntegerField(
        help_text="Your agency (a manager), or one of your region's agencies (a commissioner); any "
        "other id answers 400"
    )
    financial_year = serializers.IntegerField(help_text="The year it starts in, such as 2026")
    annual_target = serializers.IntegerField(help_text="0 or more; below zero answers 400")


class TargetPatchSerializer(serializers.Serializer):
    annual_target = serializers.IntegerField(help_text="0 or more; below zero answers 400")


class TargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """GET/POST /api/v1/targets/ and GET/PATCH /api/v1/targets/{id}/: enduring-jobs targets per agency
    and financial year, with the targets page's permissions (a manager their agency, a commissioner
    their region's agencies; anyone else 403). POST sets (creates or replaces) one agency's year."""

    serializer_class = TargetSerializer
    queryset = EnduringJobsTarget.objects.none()  # for the schema; get_queryset scopes it
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        agencies = services.target_agencies(self.request.user)  # 403 unless a manager
        qs = EnduringJobsTarget.objects.filter(agency__in=agencies).select_related("agency")
        year = self.request.query_params.get("financial_year")
        if year:
            if not year.isdigit():
                raise ApplicationError("financial_year must be a year such as 2026")
            qs = qs.filter(financial_year=int(year))
        return qs.order_by("-financial_year", "agency__name")

    @extend_schema(
        parameters=[OpenApiParameter("financial_year", int, description="Only this year's targets")]
    )
    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_event_record(user=request.user, action=Action.VIEW, detail={"page": "api:targets"})
        return response

    @extend_schema(request=TargetWriteSerializer, responses={201: TargetSerializer})
    def create(self, request, *args, **kwargs):
        serializer = TargetWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agency = services.target_agencies(request.user).filter(pk=data["agency"]).first()
        if agency is None:
            raise ApplicationError(
                "Choose your agency, or one of your region's agencies", field="agency"
            )
        target = services.enduring_jobs_target_set(
            user=request.user,
            agency=agency,
            financial_year=data["financial_year"],
            annual_target=data["annual_target"],
        )
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TargetPatchSerializer, responses=TargetSerializer)
    def partial_update(self, request, *args, **kwargs):
        target = self.get_object()  # another scope's target: 404
        serializer = TargetPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.enduring_jobs_target_set(
            user=request.user,
            agency=target.agency,
            financial_year=target.financial_year,
            annual_target=serializer.validated_data["annual_target"],
        )
        return Response(TargetSerializer(target).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


def register(router):
    router.register("reports", ReportViewSet, basename="report")
    router.register("targets", TargetViewSet, basename="target")


class ReoffenceSerializer(serializers.ModelSerializer):
    """A proven re-offence (offence and disposal dates, source) or a recall (never re-offending)."""

    class Meta:
        model = Reoffence
        fields = ["id", "case", "kind", "offence_date", "disposal_date", "source", "recorded_at"]
        read_only_fields = ["id", "case", "recorded_at"]


class ReoffenceWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReoffenceKind.choices)
    offence_date = serializers.DateField(
        help_text="For a recall, the recall date; not in the future"
    )
    disposal_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="A proven re-offence only: on or after the offence date, not in the future",
    )
    source = serializers.ChoiceField(choices=ReoffenceSource.choices)


class CaseReoffenceView(generics.GenericAPIView):
    """GET/POST /api/v1/cases/{id}/reoffences/: a case's re-offences and recalls. Offence data: an
    agency that does not see the person's offence part gets 404; only the case owner records (403)."""

    serializer_class = ReoffenceSerializer
    pagination_class = None  # a case has a handful: the whole list, as the schema says

    def _case(self, request, pk):
        from casework.selectors import get_case

        case = get_case(user=request.user, pk=pk)
        if not policy.may_see_reoffences(request.user, case.person):
            raise NotFound("Not found")
        return case

    @extend_schema(responses=ReoffenceSerializer(many=True))
    def get(self, request, pk):
        case = self._case(request, pk)
        facts = list(Reoffence.objects.for_user(request.user).filter(case=case))
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=case.person,
            obj=case,
            detail={"page": "api:reoffences", "reoffences": [f.pk for f in facts]},
        )
        return Response(ReoffenceSerializer(facts, many=True).data)

    @extend_schema(request=ReoffenceWriteSerializer, responses={201: ReoffenceSerializer})
    def post(self, request, pk):
        case = self._case(request, pk)
        serializer = ReoffenceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fact = services.reoffence_record(user=request.user, case=case, **serializer.validated_data)
        return Response(ReoffenceSerializer(fact).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("cases/<int:pk>/reoffences/", CaseReoffenceView.as_view(), name="case-reoffences")
]
