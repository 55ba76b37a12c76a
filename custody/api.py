"""API v1: /claim-closures/, /closure-chases/, /benefit-delivery-centres/, /freshstart-appointments/,
/markers/ and /scan-items/ (API.md). Same policy as the pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from agencies.models import Site
from audit.models import Action
from audit.services import access_event_record
from casework.api import StaffOnly
from casework.models import Person
from consent import policy
from core.api import AuditedList
from custody import scan_items, selectors, services
from custody.models import (
    Benefit,
    BenefitDeliveryCentre,
    ClaimClosure,
    ClosureChase,
    FreshstartAppointment,
    Marker,
    ScanItemDismissReason,
    ScanRow,
)


class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return Person.objects.for_user(request.user) if request else Person.objects.none()


@extend_schema_field(OpenApiTypes.INT)
class VisibleScanItemField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return ScanRow.objects.none()
        return scan_items.scan_items(user=request.user, state="")


class ClaimClosureSerializer(serializers.ModelSerializer):
    person = VisiblePersonField()
    establishment = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    bdc = serializers.PrimaryKeyRelatedField(
        queryset=BenefitDeliveryCentre.objects.all(),
        required=False,
        allow_null=True,
        help_text="A centre from /benefit-delivery-centres/ (an inactive one only if already set)",
    )
    benefits = serializers.ListField(
        child=serializers.ChoiceField(choices=Benefit.choices), required=False
    )
    turnaround_days = serializers.IntegerField(read_only=True)
    scan_item = VisibleScanItemField(
        required=False,
        write_only=True,
        help_text="On create: the open /scan-items/ row this closure resolves (closed with it)",
    )

    class Meta:
        model = ClaimClosure
        fields = [
            "id",
            "person",
            "establishment",
            "reception_date",
            "benefits",
            "found_by",
            "identity_checked",
            "national_insurance_number",
            "bdc",
            "benefit_delivery_centre",
            "bdc_contact_method",
            "received_on",
            "identified_on",
            "sent_to_bdc_on",
            "closed_on",
            "claim_ended_on",
            "suspected_overpayment",
            "overpayment_amount",
            "overpayment_from",
            "overpayment_to",
            "fraud_referred_on",
            "fraud_reference",
            "home_centre_outside_region",
            "housing_benefit_kept",
            "notes",
            "turnaround_days",
            "scan_item",
            "version",
        ]
        read_only_fields = ["id", "version", "turnaround_days"]
        validators = []  # uniqueness is checked by the service with a clear message

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not policy.may_see_overpayment(request.user):
            for name in services.OVERPAYMENT_FIELDS:
                data.pop(name, None)
        return data


class ClaimClosurePatchSerializer(ClaimClosureSerializer):
    person = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")
    scan_item = None

    class Meta(ClaimClosureSerializer.Meta):
        fields = [name for name in ClaimClosureSerializer.Meta.fields if name != "scan_item"]
        read_only_fields = ["id", "turnaround_days"]


class ClosureReaders:
    """Providers and probation: claim closures do not exist for them (404)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        services.require_closure_reader(request.user)


class ClaimClosureViewSet(
    AuditedList,
    StaffOnly,
    ClosureReaders,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "person_id"
    serializer_class = ClaimClosureSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = ClaimClosure.objects.for_user(self.request.user).order_by("reception_date", "id")
        params = self.request.query_params
        if params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(params["person"]))
        if params.get("open") in ("1", "true"):
            qs = qs.filter(closed_on__isnull=True)
        return qs

    def get_serializer_class(self):
        return (
            ClaimClosurePatchSerializer
            if self.action == "partial_update"
            else ClaimClosureSerializer
        )

    def get_object(self):
        return selectors.get_claim_closure(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        closure = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=closure.person,
            obj=closure,
            detail={"page": "api"},
        )
        return Response(ClaimClosureSerializer(closure, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        serializer = ClaimClosureSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        item = data.pop("scan_item", None)
        if item is None:
            closure = services.claim_closure_create(
                user=request.user, person=data.pop("person"), **data
            )
        else:
            closure = scan_items.scan_item_record_closure(
                user=request.user, row=item, person=data.pop("person"), **data
            )
        return Response(
            ClaimClosureSerializer(closure, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        closure = self.get_object()
        serializer = ClaimClosurePatchSerializer(
            closure, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required."]})
        version = data.pop("version")
        closure = services.claim_closure_update(
            user=request.user, closure=closure, version=version, **data
        )
        return Response(ClaimClosureSerializer(closure, context={"request": request}).data)


class BenefitDeliveryCentreSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenefitDeliveryCentre
        fields = ["id", "name", "secure_email", "phone", "region", "is_active"]


class BenefitDeliveryCentreViewSet(
    StaffOnly, ClosureReaders, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The directory claim closures pick from (read only here; administrators maintain it). No
    personal data, so no access event."""

    serializer_class = BenefitDeliveryCentreSerializer

    def get_queryset(self):
        qs = BenefitDeliveryCentre.objects.order_by("name", "id")
        if self.request.query_params.get("active") in ("1", "true"):
            qs = qs.filter(is_active=True)
        return qs


class VisibleClosureField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return (
            ClaimClosure.objects.for_user(request.user) if request else ClaimClosure.objects.none()
        )


class ClosureChaseSerializer(serializers.ModelSerializer):
    closure = VisibleClosureField()

    class Meta:
        model = ClosureChase
        fields = ["id", "closure", "chased_on", "method", "outcome", "notes", "version"]
        read_only_fields = ["id", "version"]


class ClosureChasePatchSerializer(ClosureChaseSerializer):
    closure = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")

    class Meta(ClosureChaseSerializer.Meta):
        read_only_fields = ["id"]


class ClosureChaseViewSet(
    AuditedList,
    StaffOnly,
    ClosureReaders,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Chases of the Benefit Delivery Centre on a claim closure: seen with the closure, recorded and
    corrected (PATCH with `version`) by the Jobcentre that recorded the closure."""

    audit_person = "closure.person_id"
    serializer_class = ClosureChaseSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = (
            ClosureChase.objects.for_user(self.request.user)
            .select_related("closure")
            .order_by("chased_on", "id")
        )
        if self.request.query_params.get("closure", "").isdigit():
            qs = qs.filter(closure_id=int(self.request.query_params["closure"]))
        return qs

    def get_serializer_class(self):
        return (
            ClosureChasePatchSerializer
            if self.action == "partial_update"
            else ClosureChaseSerializer
        )

    def get_object(self):
        return selectors.get_closure_chase(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        chase = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=chase.closure.person,
            obj=chase,
            detail={"page": "api"},
        )
        return Response(ClosureChaseSerializer(chase, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        serializer = ClosureChaseSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        chase = services.closure_chase_record(
            user=request.user, closure=data.pop("closure"), **data
        )
        return Response(
            ClosureChaseSerializer(chase, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        chase = self.get_object()
        serializer = ClosureChasePatchSerializer(
            chase, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": ["This field is required."]})
        version = data.pop("version")
        chase = services.closure_chase_update(
            user=request.user, chase=chase, version=version, **data
        )
        return Response(ClosureChaseSerializer(chase, context={"request": request}).data)


class FreshstartSerializer(serializers.ModelSerializer):
    person = VisiblePersonField()
    office = serializers.PrimaryKeyRelatedField(queryset=Site.objects.select_related("agency"))

    class Meta:
        model = FreshstartAppointment
        fields = [
            "id",
            "person",
            "jobcentre",
            "office",
            "appointment_at",
            "attended",
            "notes",
            "version",
        ]
        read_only_fields = ["id", "jobcentre", "attended", "version"]


class FreshstartPatchSerializer(serializers.Serializer):
    attended = serializers.BooleanField()
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")


class FreshstartViewSet(
    AuditedList,
    StaffOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    audit_person = "person_id"
    """Booking (POST) and attendance (PATCH with `attended` and `version`, by the booked Jobcentre)."""

    serializer_class = FreshstartSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = FreshstartAppointment.objects.for_user(self.request.user).order_by(
            "appointment_at", "id"
        )
        params = self.request.query_params
        if params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(params["person"]))
        if params.get("mine") in ("1", "true"):
            qs = qs.filter(jobcentre_id=self.request.user.acting.agency_id)
        return qs

    def get_object(self):
        return selectors.get_freshstart(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        appointment = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            person=appointment.person,
            obj=appointment,
            detail={"page": "api"},
        )
        return Response(FreshstartSerializer(appointment, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        serializer = FreshstartSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = services.freshstart_book(
            user=request.user,
            person=data["person"],
            office=data["office"],
            appointment_at=data["appointment_at"],
            notes=data.get("notes", ""),
        )
        return Response(
            FreshstartSerializer(appointment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=FreshstartPatchSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        appointment = self.get_object()
        serializer = FreshstartPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.freshstart_attendance_record(
            user=request.user,
            appointment=appointment,
            attended=serializer.validated_data["attended"],
            version=serializer.validated_data["version"],
        )
        return Response(FreshstartSerializer(appointment, context={"request": request}).data)


class MarkerSerializer(serializers.ModelSerializer):
    person = VisiblePersonField()

    class Meta:
        model = Marker
        fields = ["id", "person", "kind", "jobcentre", "set_on", "expires_on", "ended_on"]
        read_only_fields = ["id", "jobcentre", "set_on", "expires_on", "ended_on"]


class MarkerViewSet(
    AuditedList, StaffOnly, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    audit_person = "person_id"
    """Offender, drug and alcohol markers. POST without the person's offender_marker consent answers 409."""

    serializer_class = MarkerSerializer

    def get_queryset(self):
        qs = Marker.objects.for_user(self.request.user).order_by("-set_on", "-id")
        if self.request.query_params.get("person", "").isdigit():
            qs = qs.filter(person_id=int(self.request.query_params["person"]))
        return qs

    def create(self, request, *args, **kwargs):
        serializer = MarkerSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        marker = services.marker_set(
            user=request.user,
            person=serializer.validated_data["person"],
            kind=serializer.validated_data["kind"],
        )
        return Response(
            MarkerSerializer(marker, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ScanItemSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="item_state", read_only=True)
    scan = serializers.IntegerField(source="scan_id", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True, allow_null=True)
    closure = serializers.IntegerField(source="closure_id", read_only=True, allow_null=True)

    class Meta:
        model = ScanRow
        fields = [
            "id",
            "scan",
            "line",
            "last_name",
            "national_insurance_number",
            "prison_number",
            "date_of_birth",
            "sex",
            "reception_date",
            "benefit",
            "benefit_delivery_centre",
            "state",
            "person",
            "closure",
            "dismiss_reason",
            "dismiss_note",
            "resolved_at",
            "version",
        ]
        read_only_fields = fields


class ScanItemDismissSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ScanItemDismissReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(help_text="The version you read; a stale one answers 409")


class ScanItemViewSet(
    StaffOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Matching-scan rows that matched nobody (the importing Jobcentre's EBSAs and managers). To
    resolve one, POST /claim-closures/ with `scan_item`; to close it without a closure, POST
    /scan-items/{id}/dismiss/."""

    serializer_class = ScanItemSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.can(request.user, "scan_item.work"):
            raise NotFound("Not found")

    def get_queryset(self):
        state = self.request.query_params.get("state", "open")
        if state not in ("open", "resolved", "dismissed", "all"):
            raise serializers.ValidationError({"state": ["Use open, resolved, dismissed or all."]})
        return scan_items.scan_items(user=self.request.user, state="" if state == "all" else state)

    def get_object(self):
        return scan_items.get_scan_item(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            detail={"page": "api:scan-items", "shown": len(page)},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        access_event_record(
            user=request.user,
            action=Action.VIEW,
            obj=item,
            detail={"page": "api", "scan_item": item.pk},
        )
        return Response(self.get_serializer(item).data)

    @extend_schema(request=ScanItemDismissSerializer, responses=ScanItemSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        item = self.get_object()
        serializer = ScanItemDismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = scan_items.scan_item_dismiss(
            user=request.user, row=item, **serializer.validated_data
        )
        return Response(self.get_serializer(item).data)


def register(router):
    router.register("claim-closures", ClaimClosureViewSet, basename="claim-closure")
    router.register("closure-chases", ClosureChaseViewSet, basename="closure-chase")
    router.register(
        "benefit-delivery-centres",
        BenefitDeliveryCentreViewSet,
        basename="benefit-delivery-centre",
    )
    router.register("freshstart-appointments", FreshstartViewSet, basename="freshstart-appointment")
    router.register("markers", MarkerViewSet, basename="marker")
    router.register("scan-items", ScanItemViewSet, basename="scan-item")
