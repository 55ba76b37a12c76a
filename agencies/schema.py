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
            "description": "`Token <key>` from /api/v1/auth/token/. Choose the agency with `X-Acting-Agency: <id>`.",
        }


class ActingSessionScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api_auth.ActingSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
