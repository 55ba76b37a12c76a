"""API v1: employers, vacancies, applications, employment-spells, retention-checks (API.md)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import Action
from audit.services import access_event_record
from casework.api import StaffOnly
from casework.models import Case, Person
from core.api import AuditedList
from employers import selectors, services
from employers.models import (
    Application,
    CheckStatus,
    Employer,
    EmploymentSpell,
    RetentionCheck,
    Vacancy,
)


class EmployerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = [
            "id",
            "name",
            "sector",
            "size_band",
            "town",
            "postcode",
            "engagement_level",
            "alliance_level",
            "lep_member",
            "guaranteed_interviews",
            "fidelity_bonds",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        read_only_fields = ["id"]


class EmployerViewSet(
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EmployerSerializer

    def get_queryset(self):
        params = self.request.query_params
        return Employer.objects.order_by("name", "id").filter(
            **({"sector": params["sector"]} if params.get("sector") else {})
        )

    def get_object(self):
        return selectors.get_employer(pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employer = services.employer_create(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(employer).data, status=status.HTTP_201_CREATED)


class VacancySerializer(serializers.ModelSerializer):
    employer = serializers.PrimaryKeyRelatedField(queryset=Employer.objects.all())
    hours = serializers.DecimalField(
        source="hours_per_week", max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    exclusions = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = Vacancy
        fields = [
            "id",
            "employer",
            "title",
            "sector",
            "town",
            "postcode",
            "hours",
            "pay",
            "contract_type",
            "disclosure_level",
            "closing_date",
            "exclusions",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"sector": {"required": False}, "town": {"required": False}}


class VacancyViewSet(
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VacancySerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.vacancy_list(
            q=params.get("q", "")[:100],
            sector=params.get("sector", ""),
            town=params.get("town", "")[:100],
            open_only=params.get("open", "1") != "0",
        )

    def get_object(self):
        return selectors.get_vacancy(pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        vacancy = services.vacancy_create(user=request.user, **data)
        return Response(self.get_serializer(vacancy).data, status=status.HTTP_201_CREATED)


class _PersonScopedSerializer(serializers.ModelSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            if "person" in self.fields and not self.fields["person"].read_only:
                self.fields["person"].queryset = Person.objects.for_user(request.user)
            if "case" in self.fields and not self.fields["case"].read_only:
                self.fields["case"].queryset = Case.objects.for_user(request.user)


class ApplicationSerializer(_PersonScopedSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none(), required=False)
    vacancy = serializers.PrimaryKeyRelatedField(queryset=Vacancy.objects.all())

    class Meta:
        model = Application
        fields = [
            "id",
            "person",
            "case",
            "vacancy",
            "status",
            "interview_at",
            "offered_on",
            "outcome",
            "version",
        ]
        read_only_fields = ["id", "offered_on", "version"]


class ApplicationPatchSerializer(serializers.Serializer):
    status = serializers.CharField(required=False)
    interview_at = serializers.DateTimeField(required=False, allow_null=True)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    offered_on = serializers.DateField(required=False)
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")


class ApplicationViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "person_id"
    serializer_class = ApplicationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = Application.objects.for_user(self.request.user).order_by("-created_at", "-id")
        if self.request.query_params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(self.request.query_params["person"]))
        return qs

    def get_object(self):
        return selectors.get_application(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        application = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=application.person,
            obj=application,
            detail={"page": "api"},
        )
        return Response(self.get_serializer(application).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        application = services.application_create(
            user=request.user,
            person=data["person"],
            vacancy=data["vacancy"],
            case=data.get("case"),
            status=data.get("status", "interested"),
            interview_at=data.get("interview_at"),
        )
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationPatchSerializer)
    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        serializer = ApplicationPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.application_update(
            user=request.user, application=application, **serializer.validated_data
        )
        return Response(self.get_serializer(application).data)


class SpellSerializer(_PersonScopedSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none(), required=False)
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Employer.objects.all(), required=False, allow_null=True
    )
    application = serializers.PrimaryKeyRelatedField(
        queryset=Application.objects.none(),
        required=False,
        allow_null=True,
        help_text="The offered application this job start comes from",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["application"].queryset = Application.objects.for_user(request.user)

    class Meta:
        model = EmploymentSpell
        fields = [
            "id",
            "person",
            "case",
            "application",
            "employer",
            "kind",
            "job_title",
            "start_date",
            "end_date",
            "end_reason",
            "contract_type",
            "hours_per_week",
            "hours_band",
            "pay",
            "verified_how",
            "version",
        ]
        read_only_fields = ["id", "hours_band", "version"]


class SpellPatchSerializer(serializers.ModelSerializer):
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Employer.objects.all(), required=False, allow_null=True
    )
    version = serializers.IntegerField()

    class Meta:
        model = EmploymentSpell
        fields = [
            "employer",
            "kind",
            "job_title",
            "start_date",
            "end_date",
            "end_reason",
            "contract_type",
            "hours_per_week",
            "pay",
            "verified_how",
            "version",
        ]


class EmploymentSpellViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "person_id"
    serializer_class = SpellSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = EmploymentSpell.objects.for_user(self.request.user).order_by("-start_date", "-id")
        if self.request.query_params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(self.request.query_params["person"]))
        return qs

    def get_object(self):
        return selectors.get_spell(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        spell = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=spell.person,
            obj=spell,
            detail={"page": "api"},
        )
        return Response(self.get_serializer(spell).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person, case = data.pop("person"), data.pop("case", None)
        spell = services.employment_spell_create(
            user=request.user, person=person, case=case, **data
        )
        return Response(self.get_serializer(spell).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SpellPatchSerializer)
    def partial_update(self, request, *args, **kwargs):
        spell = self.get_object()
        serializer = SpellPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required."]})
        version = data.pop("version")
        spell = services.employment_spell_update(
            user=request.user, spell=spell, version=version, **data
        )
        return Response(self.get_serializer(spell).data)


class RetentionCheckSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, read_only=True)
    # the status today from the check's dates (scheduled, due, overdue), not the sweep's last run
    status = serializers.ChoiceField(
        source="current_status", choices=CheckStatus.choices, read_only=True
    )

    class Meta:
        model = RetentionCheck
        fields = [
            "id",
            "spell",
            "milestone_weeks",
            "due_on",
            "status",
            "outcome",
            "evidence",
            "checked_on",
            "recorded_by",
        ]
        read_only_fields = fields


class RecordSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    checked_on = serializers.DateField()
    left_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RetentionCheckViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "spell.person_id"
    serializer_class = RetentionCheckSerializer

    def get_queryset(self):
        status_filter = self.request.query_params.get("status", "")
        if status_filter and status_filter not in CheckStatus.values:
            raise serializers.ValidationError(
                {"status": [f"Choose one of {', '.join(CheckStatus.values)}"]}
            )
        return selectors.open_checks_for_api(
            user=self.request.user, status=status_filter
        ).select_related("recorded_by")

    def get_object(self):
        return selectors.get_check(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=CheckStatus.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RecordSerializer, responses=RetentionCheckSerializer)
    @action(detail=True, methods=["post"], serializer_class=RecordSerializer)
    def record(self, request, pk=None):
        check = self.get_object()
        serializer = RecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = services.retention_check_record(
            user=request.user, check=check, **serializer.validated_data
        )
        return Response(RetentionCheckSerializer(check).data)


def register(router):
    router.register("employers", EmployerViewSet, basename="employer")
    router.register("vacancies", VacancyViewSet, basename="vacancy")
    router.register("applications", ApplicationViewSet, basename="application")
    router.register("employment-spells", EmploymentSpellViewSet, basename="employment-spell")
    router.register("retention-checks", RetentionCheckViewSet, basename="retention-check")
    from employers.support_api import register as register_support  # the support-given log

    register_support(router)
