from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from agencies import acting
from agencies.models import Agency


class AgencySerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "region"]


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


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies are directory data: every signed-in user may list them."""

    serializer_class = AgencySerializer
    queryset = Agency.objects.filter(is_active=True).select_related("region").order_by("name")
