from django.db import transaction
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from agencies.api import AgencySerializer
from agencies.models import Agency, User
from audit.describe import describe_events
from audit.models import AccessEvent, Action
from audit.selectors import access_log_for_person
from audit.services import access_event_record, access_list_record
from casework import selectors, services
from casework.models import ActionStatus, Assessment, Case, Goal, Person, PlanAction, Rag
from consent import policy
from consent.sections import Section
from core.api import AuditedList, pop_version
from core.errors import NotFound
from core.pagination import CountedBy


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "aliases",
            "date_of_birth",
            "sex",
            "national_insurance_number",
            "prison_number",
            "crn",
            "home_area",
            "release_area",
            "accommodation_status",
            "employment_status",
            "benefit_status",
            "bank_account_held",
            "id_documents_held",
            "identity_verified_on",
            "restricted",
            "version",
        ]
        read_only_fields = ["id", "restricted", "version"]


class PersonCreateSerializer(PersonSerializer):
    confirm_not_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Someone you can see has the same name and date of birth (409 "
        "possible_duplicate): send true once you have checked it is another person",
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "confirm_not_duplicate"]


IDENTITY_FIELDS = [
    "aliases",
    "date_of_birth",
    "sex",
    "national_insurance_number",
    "prison_number",
    "crn",
    "home_area",
    "release_area",
    "accommodation_status",
    "bank_account_held",
    "id_documents_held",
    "identity_verified_on",
]
SECTION_FIELDS = {"employment_status": Section.EMPLOYMENT, "benefit_status": Section.BENEFITS}


class PersonReadSerializer(PersonSerializer):
    """A person as the acting agency may see them: identity fields only with the identity section,
    the employment and benefit status only with theirs, and the sections it sees."""

    sections = serializers.SerializerMethodField(
        help_text="The sections of the record your agency sees (consent.sections.Section)"
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "sections"]

    def get_sections(self, person) -> list[str]:
        return self._access(person).sections

    def _access(self, person):
        pk = person.pk
        access = (self.context.get("access") or {}).get(pk)
        return access if access is not None else policy.access_for(self.context["request"].user, pk)

    def to_representation(self, person):
        data = super().to_representation(person)
        access = self._access(person)
        if not access.sees(Section.IDENTITY):
            for name in IDENTITY_FIELDS:
                data.pop(name, None)
        for name, section in SECTION_FIELDS.items():
            if not access.sees(section):
                data.pop(name, None)
        return data


class PersonPatchSerializer(PersonSerializer):
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(PersonSerializer.Meta):
        read_only_fields = ["id", "restricted"]


class AccessEventSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None)
    agency = serializers.CharField(source="agency.name", default=None)
    description = serializers.CharField(read_only=True, default="")  # audit.describe

    class Meta:
        model = AccessEvent
        fields = ["at", "user", "agency", "action", "object_type", "object_id", "description"]


class StaffOnly:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.can(request.user, "person.view"):
            raise PermissionDenied("Your role does not give access to personal records.")


class PersonViewSet(
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PersonSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _section(self):
        section = self.request.query_params.get("section", "").strip()
        if section and section not in Section.values:
            raise serializers.ValidationError(
                {
                    "section": [
                        f"Unknown section {section!r}: use one of {', '.join(Section.values)}"
                    ]
                }
            )
        return section or None

    def get_queryset(self):
        q = self.request.query_params.get("q", "").strip()
        section = self._section() if self.action == "list" else None
        if q and self.action == "list":
            found = selectors.person_search(user=self.request.user, q=q[:100])
            if section:
                found = found.filter(pk__in=policy.visible_person_ids(self.request.user, section))
            return found
        # PersonAccess.sort_key (surname then given name) in the scope's own join: the first page walks
        # the (agency, sort_key) index instead of sorting everyone the agency may see.
        return Person.objects.for_user(self.request.user, section).order_by(
            "access__sort_key", "access__person_id"
        )

    def get_serializer_class(self):
        if self.action == "partial_update":
            return PersonPatchSerializer
        return PersonCreateSerializer if self.action == "create" else PersonReadSerializer

    def get_object(self):
        return policy.get_person(self.request.user, self.kwargs["pk"])

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Name, CRN, prison number or NI number")]
    )
    def paginate_queryset(self, queryset):
        if self.action == "list" and not self.request.query_params.get("q", "").strip():
            # one PersonAccess row per visible person: count those (index only), not the join
            queryset = CountedBy(
                queryset, policy.visible_person_ids(self.request.user, self._section())
            )
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.get_queryset()))
        access = policy.access_map(request.user, [person.pk for person in page])
        data = PersonReadSerializer(
            page, many=True, context={"request": request, "access": access}
        ).data
        access_list_record(
            user=request.user,
            action=Action.SEARCH if request.query_params.get("q") else Action.VIEW,
            page="api:people",
            people=[person.pk for person in page],
            detail={"q": request.query_params.get("q", "")[:100]},
        )
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        access_event_record(
            user=request.user, action=Action.VIEW, person=person, detail={"page": "api"}
        )
        return Response(PersonReadSerializer(person, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        serializer = PersonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = services.person_create(user=request.user, **serializer.validated_data)
        return Response(
            PersonReadSerializer(person, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        person = self.get_object()
        serializer = PersonPatchSerializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required."]})
        version = data.pop("version")
        person = services.person_update(user=request.user, person=person, version=version, **data)
        return Response(PersonReadSerializer(person, context={"request": request}).data)

    @extend_schema(responses=AccessEventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="access-log")
    def access_log(self, request, pk=None):
        person = self.get_object()
        if not policy.may_read_access_log(request.user, person):
            raise PermissionDenied("Only the case team can read who has viewed this record.")
        with transaction.atomic():
            access_event_record(
                user=request.user,
                action=Action.VIEW,
                person=person,
                detail={"page": "api:access-log"},
            )
        page = self.paginate_queryset(access_log_for_person(person=person, limit=None))
        page = describe_events(page, reader=request.user, person=person)
        return self.get_paginated_response(AccessEventSerializer(page, many=True).data)


class CaseSerializer(serializers.ModelSerializer):
    owning_agency = AgencySerializer(read_only=True)
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())

    class Meta:
        model = Case
        fields = [
            "id",
            "person",
            "owning_agency",
            "offender_group",
            "support_level",
            "stage",
            "start_date",
            "planned_end_date",
            "end_date",
            "end_reason",
            "version",
        ]
        read_only_fields = ["id", "owning_agency", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = Person.objects.for_user(request.user)


class CasePatchSerializer(CaseSerializer):
    version = serializers.IntegerField()
    person = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(CaseSerializer.Meta):
        read_only_fields = ["id", "owning_agency", "person"]


class CaseViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "person_id"
    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = (
            Case.objects.for_user(self.request.user)
            .select_related("owning_agency", "owning_agency__region")
            .order_by("-start_date", "-id")
        )
        for name in ("stage", "support_level"):
            if self.request.query_params.get(name):
                qs = qs.filter(**{name: self.request.query_params[name]})
        return qs

    def get_serializer_class(self):
        return CasePatchSerializer if self.action == "partial_update" else CaseSerializer

    def get_object(self):
        try:
            return selectors.get_case(user=self.request.user, pk=self.kwargs["pk"])
        except NotFound:
            raise

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=case.person,
            obj=case,
            detail={"page": "api"},
        )
        return Response(CaseSerializer(case, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        serializer = CaseSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = data.pop("person")
        for name in ("end_date", "end_reason"):
            data.pop(name, None)
        case = services.case_open(user=request.user, person=person, **data)
        return Response(
            CaseSerializer(case, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = CasePatchSerializer(
            case, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required."]})
        version = data.pop("version")
        case = services.case_update(user=request.user, case=case, version=version, **data)
        return Response(CaseSerializer(case, context={"request": request}).data)


# --- Assessments and actions of a case: /api/v1/cases/{id}/assessments/, /actions/ -------------


class AssessmentSerializer(serializers.ModelSerializer):
    ratings = serializers.DictField(
        child=serializers.ChoiceField(choices=Rag.choices),
        help_text="{area: red|amber|green} for the ten need areas",
    )
    area_notes = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False
    )
    self_reported_need_codes = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=11,
        help_text='The help the person says they need: need areas, or "none" on its own',
    )
    agency = serializers.PrimaryKeyRelatedField(read_only=True)
    assessed_by = serializers.CharField(source="assessed_by.username", read_only=True)

    def to_representation(self, assessment):
        """Health, drugs and alcohol ratings and notes only for agencies that see their part."""
        data = super().to_representation(assessment)
        request = self.context.get("request")
        if request is not None:
            access = policy.access_for(request.user, assessment.case.person_id)
            data["ratings"] = policy.visible_ratings(access, data.get("ratings"))
            data["area_notes"] = policy.visible_ratings(access, data.get("area_notes"))
            data["self_reported_need_codes"] = [
                code
                for code in data.get("self_reported_need_codes") or []
                if policy.need_area_visible(access, code)
            ]
        return data

    class Meta:
        model = Assessment
        fields = [
            "id",
            "case",
            "assessed_on",
            "ratings",
            "work_readiness",
            "area_notes",
            "confident_writing_name",
            "confident_writing_address",
            "confident_writing_phone",
            "self_reported_needs",
            "self_reported_need_codes",
            "convictions_spent",
            "disclosure_advice_given",
            "disclosure_notes",
            "agency",
            "assessed_by",
            "created_at",
        ]
        read_only_fields = ["id", "case", "agency", "assessed_by", "created_at"]


class PlanActionSerializer(serializers.ModelSerializer):
    owner_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        help_text="Defaults to the acting agency",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    goal = serializers.PrimaryKeyRelatedField(
        queryset=Goal.objects.all(), required=False, allow_null=True
    )
    sequence = serializers.IntegerField(min_value=1, max_value=999, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # a goal on a case the user may not see is "does not exist", like any foreign record
        self.fields["goal"].queryset = (
            Goal.objects.for_user(request.user) if request else Goal.objects.none()
        )
        # the owner: the agency's own staff (and, on its own case, the partners' on the case);
        # any other user id is "does not exist", so the field says nothing about who works where
        case = self.context.get("case")
        if request is not None and case is not None:
            _, users = selectors.action_owner_choices(user=request.user, case=case)
            self.fields["owner"].queryset = users
        else:
            self.fields["owner"].queryset = User.objects.none()

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "case",
            "description",
            "owner_agency",
            "owner",
            "goal",
            "sequence",
            "due_date",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "case", "version", "created_at", "updated_at"]


class PlanActionPatchSerializer(PlanActionSerializer):
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(PlanActionSerializer.Meta):
        read_only_fields = ["id", "case", "created_at", "updated_at"]


class _CaseChildView(StaffOnly, generics.GenericAPIView):
    section = Section.CASE  # the section of the record these rows belong to

    def get_case(self):
        """The case, if the acting agency sees its summary and this section (else 404)."""
        case = selectors.get_case(user=self.request.user, pk=self.kwargs["case_pk"])
        policy.require_section(self.request.user, case.person, self.section)
        return case


class _CaseChildList(_CaseChildView, generics.ListCreateAPIView):
    """GET: the case's records, paginated like every list; POST: add one through the service."""

    page_name = ""

    def get_queryset(self):
        return self.child_queryset(self.case)

    def list(self, request, *args, **kwargs):
        self.case = self.get_case()
        page = self.paginate_queryset(self.get_queryset())
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=self.case.person,
            obj=self.case,
            detail={"page": self.page_name, "shown": len(page)},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_serializer_context(self):
        return super().get_serializer_context() | {"case": getattr(self, "case", None)}

    def create(self, request, *args, **kwargs):
        case = self.case = self.get_case()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = self.perform_service(case, serializer.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)


class CaseAssessmentList(_CaseChildList):
    section = Section.ASSESSMENT
    serializer_class = AssessmentSerializer
    queryset = Assessment.objects.none()  # for the schema only; get_queryset scopes every request
    page_name = "api:assessments"

    def child_queryset(self, case):
        return (
            Assessment.objects.for_user(self.request.user)
            .filter(case=case)
            .select_related("assessed_by", "case")
            .order_by("-assessed_on", "-id")
        )

    def perform_service(self, case, data):
        return services.assessment_record(user=self.request.user, case=case, **data)


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=ActionStatus.values, description="Only actions with this status"
            )
        ]
    )
)
class CaseActionList(_CaseChildList):
    section = Section.PLAN
    serializer_class = PlanActionSerializer
    queryset = PlanAction.objects.none()  # for the schema only; get_queryset scopes every request
    page_name = "api:actions"

    def child_queryset(self, case):
        qs = PlanAction.objects.for_user(self.request.user).filter(case=case)
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs.order_by("sequence", "due_date", "id")

    def perform_service(self, case, data):
        return services.action_add(user=self.request.user, case=case, **data)


class CaseActionDetail(_CaseChildView):
    section = Section.PLAN
    serializer_class = PlanActionPatchSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return selectors.get_action(
            user=self.request.user, case=self.get_case(), pk=self.kwargs["action_pk"]
        )

    @extend_schema(operation_id="v1_cases_actions_detail")
    def get(self, request, case_pk, action_pk):
        item = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=item.case.person,
            obj=item,
            detail={"page": "api"},
        )
        return Response(PlanActionSerializer(item).data)

    def patch(self, request, case_pk, action_pk):
        item = self.get_object()
        serializer = PlanActionPatchSerializer(
            item, data=request.data, partial=True, context={"request": request, "case": item.case}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = pop_version(data)
        item = services.action_update(user=request.user, action=item, version=version, **data)
        return Response(PlanActionSerializer(item).data)


urlpatterns = [
    path("cases/<int:case_pk>/assessments/", CaseAssessmentList.as_view(), name="case_assessments"),
    path("cases/<int:case_pk>/actions/", CaseActionList.as_view(), name="case_actions"),
    path(
        "cases/<int:case_pk>/actions/<int:action_pk>/",
        CaseActionDetail.as_view(),
        name="case_action_detail",
    ),
]

# The records of issue 19 (offender manager, risk and licence, qualifications, courses).
from casework.record_api import urlpatterns as record_urlpatterns  # noqa: E402

urlpatterns += record_urlpatterns
