from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import ApplicationError
from core.files import download_response
from reporting import selectors, services
from reporting.models import Report, ReportKind, ReportScope, ReportVersion
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


def register(router):
    router.register("reports", ReportViewSet, basename="report")
