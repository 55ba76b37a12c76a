from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Agency
from audit.models import Action
from audit.services import access_event_record
from casework.api import StaffOnly
from casework.models import Person
from consent import policy, selectors, services
from consent.models import ConsentRecord, DataCategory, Purpose
from core.api import AuditedList


class ConsentSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    recipient_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True)
    )
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices), allow_empty=False
    )
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), required=False
    )

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "person",
            "recipient_agency",
            "purposes",
            "data_categories",
            "given_on",
            "method",
            "form_version",
            "witness_name",
            "expires_on",
            "withdrawn_on",
            "withdrawal_reason",
        ]
        read_only_fields = ["id", "withdrawn_on", "withdrawal_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = Person.objects.for_user(request.user)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ConsentViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ConsentSerializer

    def get_queryset(self):
        qs = policy.scope_consents(ConsentRecord.objects.all(), self.request.user).order_by(
            "-given_on", "-id"
        )
        if self.request.query_params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(self.request.query_params["person"]))
        return qs

    def get_object(self):
        return selectors.get_consent(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        consent = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=consent.person,
            obj=consent,
            detail={"page": "api"},
        )
        return Response(self.get_serializer(consent).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = services.consent_record(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"], serializer_class=WithdrawSerializer)
    def withdraw(self, request, pk=None):
        consent = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = services.consent_withdraw(
            user=request.user, consent=consent, reason=serializer.validated_data["reason"]
        )
        return Response(ConsentSerializer(consent, context={"request": request}).data)


class ShareSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.filter(is_active=True))
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices),
        allow_empty=False,
        help_text="The information the agency may see (narrowed further by its consent)",
    )


class CaseShareView(StaffOnly, generics.GenericAPIView):
    """POST /api/v1/cases/{id}/share/ {"agency": id}: involve another agency (409 consent_required without consent)."""

    serializer_class = ShareSerializer

    def post(self, request, pk):
        from casework.selectors import get_case

        case = get_case(user=request.user, pk=pk)
        serializer = ShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        involvement = services.case_involve(
            user=request.user,
            case=case,
            agency=serializer.validated_data["agency"],
            categories=serializer.validated_data["categories"],
        )
        return Response(
            {
                "case": case.pk,
                "agency": involvement.agency_id,
                "basis": involvement.basis,
                "categories": involvement.categories,
                "started_on": involvement.started_on,
            },
            status=status.HTTP_201_CREATED,
        )


urlpatterns = [path("cases/<int:pk>/share/", CaseShareView.as_view(), name="case-share")]


class InvolvementSiteSerializer(serializers.Serializer):
    site = serializers.IntegerField(
        allow_null=True,
        help_text="One of your agency's sites (the agency's `sites` in GET /api/v1/agencies/), or "
        "null; another agency's site or an unknown id answers 400",
    )


class InvolvementSiteView(StaffOnly, generics.GenericAPIView):
    """PATCH /api/v1/involvements/{id}/ {"site": id}: the involved agency records which of its own
    sites works the case (only that agency; another agency's involvement is a 404)."""

    serializer_class = InvolvementSiteSerializer

    def patch(self, request, pk):
        from consent.models import CaseInvolvement

        involvement = (
            CaseInvolvement.objects.select_related("case__person")
            .filter(pk=pk, agency_id=request.user.acting.agency_id)
            .first()
        )
        if (
            involvement is None
            or not policy.access_for(request.user, involvement.case.person).visible
        ):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        serializer = InvolvementSiteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        involvement = services.involvement_site_set(
            user=request.user, involvement=involvement, site_id=serializer.validated_data["site"]
        )
        return Response(
            {
                "id": involvement.pk,
                "case": involvement.case_id,
                "agency": involvement.agency_id,
                "site": involvement.site_id,
            }
        )


urlpatterns += [
    path("involvements/<int:pk>/", InvolvementSiteView.as_view(), name="involvement-site")
]
