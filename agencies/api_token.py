"""The API token endpoints: ask for a token (username and password, plus a two-factor code where
one is required) and sign out (revoke the token used). See agencies/tokens.py."""

from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from agencies import tokens
from agencies.api_auth import ActingTokenAuthentication
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
        attrs["two_factor"] = False
        if requires_two_factor(user):
            code = (attrs.get("otp") or "").strip()
            if not code or match_token(user, code) is None:
                raise serializers.ValidationError(
                    {"otp": ["Enter the code from your authenticator app."]},
                    code="two_factor_required",
                )
            attrs["two_factor"] = True
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once: only a hash of it is kept")
    expires_at = serializers.DateTimeField(help_text="The latest the token can work")
    idle_seconds = serializers.IntegerField(help_text="The token ends after this long unused")


@extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def obtain_token(request):
    """Exchange username and password (and a two-factor code where required) for a new API token."""
    serializer = TokenRequestSerializer(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    token, key = tokens.api_token_issue(
        user=serializer.validated_data["user"], two_factor=serializer.validated_data["two_factor"]
    )
    body = {
        "token": key,
        "expires_at": token.expires_at,
        "idle_seconds": int(tokens.idle_limit().total_seconds()),
    }
    return Response(TokenResponseSerializer(body).data)


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
@authentication_classes([ActingTokenAuthentication])
@permission_classes([IsAuthenticated])
def revoke_token(request):
    """Sign out: the token this request was made with stops working at once."""
    tokens.api_token_revoke(token=request.auth, reason="sign_out")
    return Response(status=status.HTTP_204_NO_CONTENT)
