"""API: /api/v1/provisions/ and /api/v1/referrals/ with the transition endpoints (API.md).

POST /api/v1/referrals/ creates the referral and sends it in one transaction (409 consent_required
and nothing saved when no live consent covers the receiving agency). Send `"send": false` to keep
it as a draft instead, and send it later with POST /api/v1/referrals/{id}/send/.
"""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Agency, AgencyKind
from audit.models import Action
from audit.services import access_event_record
from casework.api import StaffOnly
from casework.models import Case
from consent.models import DataCategory
from core.api import AuditedList
from referrals import selectors, services
from referrals.models import DeclineReason, Need, Provision, Referral, WithdrawReason


class ProvisionSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Provision
        fields = [
            "id",
            "name",
            "agency",
            "agency_name",
            "agency_kind",
            "setting",
            "funding",
            "description",
            "eligibility",
            "response_working_days",
            "active",
        ]


class ProvisionViewSet(viewsets.ReadOnlyModelViewSet):
    """The provision catalogue is directory data (no personal data): every signed-in user may read it."""

    serializer_class = ProvisionSerializer

    def get_queryset(self):
        qs = selectors.provision_list()
        for name in ("setting", "agency"):
            value = self.request.query_params.get(name, "")
            if value:
                if name == "agency" and not value.isdigit():
                    raise serializers.ValidationError({"agency": ["Enter an agency id."]})
                qs = qs.filter(**{name: value})
        return qs


class ReferralSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "case",
            "from_agency",
            "from_user",
            "to_agency",
            "provision",
            "need",
            "reason",
            "share_categories",
            "consent",
            "status",
            "sent_at",
            "respond_by",
            "overdue",
            "overdue_flagged_at",
            "answered_at",
            "decline_reason",
            "withdraw_reason",
            "outcome_text",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class ReferralCreatedSerializer(ReferralSerializer):
    possible_duplicate = serializers.BooleanField(
        read_only=True,
        help_text="The same provision is already open for the person (sent, accepted or started)",
    )

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "possible_duplicate"]
        read_only_fields = fields


class ReferralCreateSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    provision = serializers.PrimaryKeyRelatedField(
        queryset=Provision.objects.filter(active=True), required=False, allow_null=True
    )
    to_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.COMMISSIONER),
        required=False,
        allow_null=True,
        help_text="Needed only when no provision is given",
    )
    need = serializers.ChoiceField(choices=Need.choices)
    reason = serializers.CharField(max_length=4000)
    share_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), required=False, default=list
    )
    send = serializers.BooleanField(
        default=True, help_text="false keeps a draft (send it later with /send/)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["case"].queryset = Case.objects.for_user(request.user)

    def validate(self, attrs):
        if not attrs.get("provision") and not attrs.get("to_agency"):
            raise serializers.ValidationError({"provision": ["Give a provision or a to_agency."]})
        return attrs


class ReferralVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one answers 409"
    )


class ReferralAcceptSerializer(ReferralVersionSerializer):
    site = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Which of your agency's sites takes the person on (the agency's `sites` in "
        "GET /api/v1/agencies/); another agency's site or an unknown id answers 400",
    )


class ReferralDeclineSerializer(ReferralVersionSerializer):
    reason_code = serializers.ChoiceField(
        choices=DeclineReason.choices, default=DeclineReason.OTHER
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReferralWithdrawSerializer(ReferralVersionSerializer):
    reason_code = serializers.ChoiceField(
        choices=WithdrawReason.choices, default=WithdrawReason.OTHER
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReferralViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    audit_page = "api:referrals"
    audit_person = "person_id"
    serializer_class = ReferralSerializer

    def get_queryset(self):
        params = self.request.query_params
        direction, status_ = params.get("direction", ""), params.get("status", "")
        if direction and direction not in selectors.DIRECTIONS:
            raise serializers.ValidationError({"direction": ["Use in or out."]})
        if status_ and status_ not in selectors.STATUS_FILTERS:
            raise serializers.ValidationError(
                {"status": [f"Use one of: {', '.join(sorted(selectors.STATUS_FILTERS))}."]}
            )
        return selectors.referral_list_for_user(
            user=self.request.user, direction=direction, status=status_
        )

    def get_object(self):
        return selectors.get_referral(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "direction",
                str,
                enum=["in", "out"],
                description="in: sent to your agency; out: made by it",
            ),
            OpenApiParameter("status", str, enum=sorted(selectors.STATUS_FILTERS)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=referral.person,
            obj=referral,
            detail={"page": "api"},
        )
        return Response(ReferralSerializer(referral).data)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ReferralCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        send = data.pop("send")
        with transaction.atomic():
            referral = services.referral_create(user=request.user, **data)
            duplicate = services.possible_duplicates(
                person=referral.person,
                provision=referral.provision,
                to_agency=referral.to_agency,
                exclude_pk=referral.pk,
            ).exists()
            if send:
                referral = services.referral_send(user=request.user, referral=referral)
        body = dict(ReferralSerializer(referral).data, possible_duplicate=duplicate)
        return Response(body, status=status.HTTP_201_CREATED)

    def _transition(self, request, name, serializer_class=ReferralVersionSerializer):
        referral = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        func = services.referral_send if name == "send" else services.TRANSITIONS[name]
        referral = func(user=request.user, referral=referral, **serializer.validated_data)
        return Response(ReferralSerializer(referral).data)

    @extend_schema(request=ReferralVersionSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._transition(request, "send")

    @extend_schema(request=ReferralAcceptSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._transition(request, "accept", ReferralAcceptSerializer)

    @extend_schema(request=ReferralDeclineSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._transition(request, "decline", ReferralDeclineSerializer)

    @extend_schema(request=ReferralVersionSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, "start")

    @extend_schema(request=ReferralVersionSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(request, "complete")

    @extend_schema(request=ReferralWithdrawSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, "withdraw", ReferralWithdrawSerializer)


def register(router):
    router.register("provisions", ProvisionViewSet, basename="provision")
    router.register("referrals", ReferralViewSet, basename="referral")
