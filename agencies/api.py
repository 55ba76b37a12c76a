from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from agencies import acting, services
from agencies.models import Agency, Site, SourceCategory


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "kind"]


class AgencySerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)
    sites = SiteSerializer(
        many=True,
        read_only=True,
        help_text="The agency's own sites (offices, establishments): a referral's `site` on accept",
    )

    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "region", "source_category", "sites"]


class AgencyPatchSerializer(serializers.Serializer):
    source_category = serializers.ChoiceField(choices=SourceCategory.choices)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    acting_agency = AgencySerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    agencies = AgencySerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    user = request.user
    current = user.acting
    memberships = list(acting.memberships_for(user))
    data = {
        "username": user.username,
        "acting_agency": AgencySerializer(current.agency).data if current else None,
        "role": current.role if current else None,
        "agencies": [dict(AgencySerializer(m.agency).data, role=m.role) for m in memberships],
    }
    return Response(data)


class AgencyViewSet(viewsets.ReadOnlyModelViewSet, mixins.UpdateModelMixin):
    """Agencies are directory data: every signed-in user may list them; an administrator sets
    `source_category` with PATCH."""

    serializer_class = AgencySerializer
    queryset = (
        Agency.objects.filter(is_active=True)
        .select_related("region")
        .prefetch_related("sites")
        .order_by("name")
    )
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(request=AgencyPatchSerializer, responses=AgencySerializer)
    def partial_update(self, request, *args, **kwargs):
        agency = self.get_object()
        serializer = AgencyPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agency = services.agency_source_category_set(
            user=request.user, agency=agency, **serializer.validated_data
        )
        return Response(AgencySerializer(agency).data)
