"""The API token endpoint: username and password, plus a two-factor code where one is required."""

from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from agencies.security import requires_two_factor


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        write_only=True,
        help_text="Six-digit code from the authenticator app (managers and administrators)",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        if requires_two_factor(user):
            code = (attrs.get("otp") or "").strip()
            if not code or match_token(user, code) is None:
                raise serializers.ValidationError(
                    {"otp": ["Enter the code from your authenticator app."]},
                    code="two_factor_required",
                )
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(ObtainAuthToken):
    """Exchange username and password (and a two-factor code where required) for an API token."""

    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


obtain_token = ObtainTokenView.as_view()
