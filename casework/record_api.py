"""API for the offender manager, risk and licence, qualifications and courses of a case:

    /api/v1/cases/{id}/offender-manager/            GET, PATCH   (the case section)
    /api/v1/cases/{id}/risk/                        GET, PATCH   (sensitive: the offence part)
    /api/v1/cases/{id}/qualifications/[{id}/]       GET, POST / GET, PATCH   (the action plan section)
    /api/v1/cases/{id}/courses/[{id}/]              GET, POST / GET, PATCH   (the action plan section)
    /api/v1/cases/{id}/accommodation-outcomes/[{id}/]  GET, POST / GET, PATCH  (custody and release)

The same services and policy as the pages; every read writes an access event.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from audit.models import Action
from audit.services import access_event_record
from casework import record_selectors, records
from casework.api import _CaseChildList, _CaseChildView
from casework.models import AccommodationOutcome, Case, Course, Goal, Qualification, RiskLicence
from consent.sections import RISK_PART, Section
from core.api import pop_version


def _audit_view(request, case, obj, page):
    access_event_record(
        user=request.user, action=Action.VIEW, person=case.person, obj=obj, detail={"page": page}
    )


class OffenderManagerSerializer(serializers.ModelSerializer):
    offender_manager = serializers.SerializerMethodField(
        help_text="The offender manager in one line, or why there is none"
    )
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta:
        model = Case
        fields = [
            "id",
            "offender_group",
            "offender_manager_name",
            "offender_manager_agency",
            "offender_manager_contact",
            "offender_manager",
            "version",
        ]
        read_only_fields = ["id", "offender_group"]

    def get_offender_manager(self, case) -> str:
        return record_selectors.offender_manager_text(case)


class CaseOffenderManager(_CaseChildView):
    section = Section.CASE
    serializer_class = OffenderManagerSerializer
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(operation_id="v1_cases_offender_manager_retrieve")
    def get(self, request, case_pk):
        case = self.get_case()
        _audit_view(request, case, case, "api:offender_manager")
        return Response(OffenderManagerSerializer(case).data)

    @extend_schema(operation_id="v1_cases_offender_manager_update")
    def patch(self, request, case_pk):
        case = self.get_case()
        serializer = OffenderManagerSerializer(case, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = pop_version(data)
        case = records.offender_manager_set(user=request.user, case=case, version=version, **data)
        return Response(OffenderManagerSerializer(case).data)


class RiskLicenceSerializer(serializers.ModelSerializer):
    recorded = serializers.SerializerMethodField(help_text="False until risk is first recorded")
    work_conditions = serializers.SerializerMethodField(
        help_text="The licence conditions that affect work, in plain words"
    )
    exclusion_zones = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20
    )
    version = serializers.IntegerField(help_text="The version you read (1 for a first record)")
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until risk is first recorded"
    )

    class Meta:
        model = RiskLicence
        fields = [
            "case",
            "recorded",
            "rosh_level",
            "mappa_category",
            "mappa_level",
            "licence_ends_on",
            "exclusion_zones",
            "curfew_from",
            "curfew_until",
            "no_work_with_children",
            "no_work_with_vulnerable_adults",
            "disclosure_required",
            "notes",
            "work_conditions",
            "updated_at",
            "version",
        ]
        read_only_fields = ["case", "updated_at"]

    def get_recorded(self, row) -> bool:
        return row.pk is not None

    def get_work_conditions(self, row) -> list[str]:
        return row.work_conditions()


class CaseRiskLicence(_CaseChildView):
    section = RISK_PART
    serializer_class = RiskLicenceSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def _row(self, case):
        return record_selectors.risk_licence_for_case(
            user=self.request.user, case=case
        ) or RiskLicence(case=case)

    @extend_schema(operation_id="v1_cases_risk_retrieve")
    def get(self, request, case_pk):
        case = self.get_case()
        row = self._row(case)
        _audit_view(request, case, row if row.pk else case, "api:risk")
        return Response(RiskLicenceSerializer(row).data)

    @extend_schema(operation_id="v1_cases_risk_update")
    def patch(self, request, case_pk):
        case = self.get_case()
        serializer = RiskLicenceSerializer(self._row(case), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = pop_version(data)
        row = records.risk_licence_update(user=request.user, case=case, version=version, **data)
        return Response(RiskLicenceSerializer(row).data)


class _GoalField(serializers.PrimaryKeyRelatedField):
    """A goal of this case's plan (others are "does not exist")."""

    def get_queryset(self):
        case = self.context.get("case")
        return Goal.objects.filter(case=case) if case is not None else Goal.objects.none()


class QualificationSerializer(serializers.ModelSerializer):
    goal = _GoalField(required=False, allow_null=True)
    agency = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Qualification
        fields = [
            "id",
            "case",
            "status",
            "subject",
            "level",
            "awarding_body",
            "achieved_on",
            "accredited",
            "goal",
            "agency",
            "created_at",
            "version",
        ]
        read_only_fields = ["id", "case", "agency", "created_at", "version"]


class QualificationPatchSerializer(QualificationSerializer):
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(QualificationSerializer.Meta):
        read_only_fields = ["id", "case", "agency", "created_at"]


class CourseSerializer(serializers.ModelSerializer):
    goal = _GoalField(required=False, allow_null=True)
    agency = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "case",
            "title",
            "provider",
            "accredited",
            "started_on",
            "outcome",
            "ended_on",
            "goal",
            "agency",
            "created_at",
            "version",
        ]
        read_only_fields = ["id", "case", "agency", "created_at", "version"]


class CoursePatchSerializer(CourseSerializer):
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(CourseSerializer.Meta):
        read_only_fields = ["id", "case", "agency", "created_at"]


class CaseQualificationList(_CaseChildList):
    section = Section.PLAN
    serializer_class = QualificationSerializer
    queryset = Qualification.objects.none()  # for the schema only
    page_name = "api:qualifications"

    def child_queryset(self, case):
        return (
            Qualification.objects.for_user(self.request.user)
            .filter(case=case)
            .select_related("agency")
            .order_by("-achieved_on", "-id")
        )

    def perform_service(self, case, data):
        return records.qualification_add(user=self.request.user, case=case, **data)


class CaseCourseList(_CaseChildList):
    section = Section.PLAN
    serializer_class = CourseSerializer
    queryset = Course.objects.none()  # for the schema only
    page_name = "api:courses"

    def child_queryset(self, case):
        return (
            Course.objects.for_user(self.request.user)
            .filter(case=case)
            .select_related("agency")
            .order_by("-started_on", "-id")
        )

    def perform_service(self, case, data):
        return records.course_add(user=self.request.user, case=case, **data)


class _CaseRowDetail(_CaseChildView):
    section = Section.PLAN
    http_method_names = ["get", "patch", "head", "options"]
    read_serializer = None
    patch_serializer = None
    row_kwarg = ""
    service_row = ""

    def get_object(self):
        raise NotImplementedError

    def get(self, request, case_pk, **kwargs):
        item = self.get_object()
        _audit_view(request, item.case, item, "api")
        return Response(self.read_serializer(item).data)

    def patch(self, request, case_pk, **kwargs):
        item = self.get_object()
        serializer = self.patch_serializer(
            item, data=request.data, partial=True, context={"request": request, "case": item.case}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = pop_version(data)
        item = self.update(item, version, data)
        return Response(self.read_serializer(item).data)


class CaseQualificationDetail(_CaseRowDetail):
    serializer_class = QualificationPatchSerializer
    read_serializer = QualificationSerializer
    patch_serializer = QualificationPatchSerializer

    def get_object(self):
        return record_selectors.get_qualification(
            user=self.request.user, case=self.get_case(), pk=self.kwargs["qualification_pk"]
        )

    def update(self, item, version, data):
        return records.qualification_update(
            user=self.request.user, qualification=item, version=version, **data
        )

    @extend_schema(operation_id="v1_cases_qualifications_detail")
    def get(self, request, case_pk, **kwargs):
        return super().get(request, case_pk, **kwargs)


class CaseCourseDetail(_CaseRowDetail):
    serializer_class = CoursePatchSerializer
    read_serializer = CourseSerializer
    patch_serializer = CoursePatchSerializer

    def get_object(self):
        return record_selectors.get_course(
            user=self.request.user, case=self.get_case(), pk=self.kwargs["course_pk"]
        )

    def update(self, item, version, data):
        return records.course_update(user=self.request.user, course=item, version=version, **data)

    @extend_schema(operation_id="v1_cases_courses_detail")
    def get(self, request, case_pk, **kwargs):
        return super().get(request, case_pk, **kwargs)


class AccommodationOutcomeSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = AccommodationOutcome
        fields = ["id", "case", "point", "status", "as_at", "note", "agency", "version"]
        read_only_fields = ["id", "case", "as_at", "agency", "version"]


class AccommodationOutcomePatchSerializer(AccommodationOutcomeSerializer):
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(AccommodationOutcomeSerializer.Meta):
        read_only_fields = ["id", "case", "point", "as_at", "agency"]


class CaseAccommodationOutcomeList(_CaseChildList):
    section = Section.CUSTODY
    serializer_class = AccommodationOutcomeSerializer
    queryset = AccommodationOutcome.objects.none()  # for the schema only
    page_name = "api:accommodation_outcomes"

    def child_queryset(self, case):
        return (
            AccommodationOutcome.objects.for_user(self.request.user)
            .filter(case=case)
            .select_related("agency")
            .order_by("as_at", "id")
        )

    def perform_service(self, case, data):
        return records.accommodation_outcome_record(user=self.request.user, case=case, **data)


class CaseAccommodationOutcomeDetail(_CaseRowDetail):
    section = Section.CUSTODY
    serializer_class = AccommodationOutcomePatchSerializer
    read_serializer = AccommodationOutcomeSerializer
    patch_serializer = AccommodationOutcomePatchSerializer

    def get_object(self):
        return record_selectors.get_accommodation_outcome(
            user=self.request.user,
            case=self.get_case(),
            pk=self.kwargs["accommodationoutcome_pk"],
        )

    def update(self, item, version, data):
        return records.accommodation_outcome_update(
            user=self.request.user, outcome=item, version=version, **data
        )

    @extend_schema(operation_id="v1_cases_accommodation_outcomes_detail")
    def get(self, request, case_pk, **kwargs):
        return super().get(request, case_pk, **kwargs)


urlpatterns = [
    path(
        "cases/<int:case_pk>/offender-manager/",
        CaseOffenderManager.as_view(),
        name="case_offender_manager",
    ),
    path("cases/<int:case_pk>/risk/", CaseRiskLicence.as_view(), name="case_risk"),
    path(
        "cases/<int:case_pk>/qualifications/",
        CaseQualificationList.as_view(),
        name="case_qualifications",
    ),
    path(
        "cases/<int:case_pk>/qualifications/<int:qualification_pk>/",
        CaseQualificationDetail.as_view(),
        name="case_qualification_detail",
    ),
    path(
        "cases/<int:case_pk>/accommodation-outcomes/",
        CaseAccommodationOutcomeList.as_view(),
        name="case_accommodation_outcomes",
    ),
    path(
        "cases/<int:case_pk>/accommodation-outcomes/<int:accommodationoutcome_pk>/",
        CaseAccommodationOutcomeDetail.as_view(),
        name="case_accommodation_outcome_detail",
    ),
    path("cases/<int:case_pk>/courses/", CaseCourseList.as_view(), name="case_courses"),
    path(
        "cases/<int:case_pk>/courses/<int:course_pk>/",
        CaseCourseDetail.as_view(),
        name="case_course_detail",
    ),
]
