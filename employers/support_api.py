"""API v1: /api/v1/support-given/ (GET ?person=, POST) and /api/v1/support-given/{id}/ (GET, PATCH)."""

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from audit.models import Action
from audit.services import access_event_record
from casework.api import StaffOnly
from casework.models import Case, Person
from core.api import AuditedList, pop_version
from core.errors import NotFound
from employers import support as support_module
from employers.models import Employer, EmploymentSpell, SupportGiven


class SupportSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none(), required=False)
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Employer.objects.all(), required=False, allow_null=True
    )
    spell = serializers.PrimaryKeyRelatedField(
        queryset=EmploymentSpell.objects.none(), required=False, allow_null=True
    )
    given_by = serializers.CharField(source="given_by.username", read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = SupportGiven
        fields = [
            "id",
            "person",
            "case",
            "kind",
            "given_on",
            "employer",
            "spell",
            "note",
            "given_by",
            "agency",
            "version",
        ]
        read_only_fields = ["id", "given_by", "agency", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            if not self.fields["person"].read_only:
                self.fields["person"].queryset = Person.objects.for_user(user)
            if not self.fields["case"].read_only:
                self.fields["case"].queryset = Case.objects.for_user(user)
            self.fields["spell"].queryset = EmploymentSpell.objects.for_user(user)


class SupportPatchSerializer(SupportSerializer):
    person = serializers.PrimaryKeyRelatedField(read_only=True)
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(SupportSerializer.Meta):
        read_only_fields = ["id", "person", "case", "given_by", "agency"]


class SupportGivenViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "person_id"
    serializer_class = SupportSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = (
            SupportGiven.objects.for_user(self.request.user)
            .select_related("given_by", "agency")
            .order_by("-given_on", "-id")
        )
        if self.request.query_params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(self.request.query_params["person"]))
        return qs

    def get_object(self):
        try:
            return (
                SupportGiven.objects.for_user(self.request.user)
                .select_related("person", "given_by", "agency")
                .get(pk=int(self.kwargs["pk"]))
            )
        except (SupportGiven.DoesNotExist, ValueError, TypeError):
            raise NotFound("Support not found") from None

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=row.person,
            obj=row,
            detail={"page": "api"},
        )
        return Response(self.get_serializer(row).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = data.pop("person")
        row = support_module.support_record(user=request.user, person=person, **data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        row = self.get_object()
        serializer = SupportPatchSerializer(
            row, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = pop_version(data)
        row = support_module.support_update(user=request.user, support=row, version=version, **data)
        return Response(SupportSerializer(row, context={"request": request}).data)


def register(router):
    router.register("support-given", SupportGivenViewSet, basename="support-given")
