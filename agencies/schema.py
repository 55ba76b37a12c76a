"""OpenAPI descriptions of our authentication classes (token + session, acting agency header)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ActingTokenScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api_auth.ActingTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>` from POST /api/v1/auth/token/ (shown once; ends after 8 hours "
                "unused, 7 days after issue, at POST /api/v1/auth/sign-out/, sign-out, password "
                "change or staff removal). Choose the agency with `X-Acting-Agency: <id>`."
            ),
        }


class ActingSessionScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api_auth.ActingSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
