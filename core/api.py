"""Shared REST framework pieces: pagination and the one exception mapper."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError, ConsentRequired


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """ApplicationError -> 4xx JSON with a code; Django validation errors -> 400 field errors."""
    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body[exc.field] = [exc.message]
        body.update(exc.extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.AuthenticationFailed) and isinstance(exc.get_codes(), str):
        response.data["code"] = exc.get_codes()  # token_invalid, token_expired, two_factor_required
    return response


def pop_version(data: dict) -> int:
    """The `version` a PATCH of a versioned resource must send (optimistic locking): 400 without it,
    so two clients that leave it out cannot overwrite each other. Partial serializers skip required
    fields, hence this check; the schema marks it required (`require_version_on_patch`)."""
    if data.get("version") is None:
        raise exceptions.ValidationError(
            {"version": ["This field is required: send the version you read."]}
        )
    return data.pop("version")


VERSION_CONFLICT = {
    "400": {"description": "Invalid input, or `version` missing"},
    "409": {"description": "Stale `version`: someone else changed the record; read it again"},
}


def require_version_on_patch(result, generator, request, public):
    """drf-spectacular post-processing hook: on every PATCH whose body has `version`, the field is
    required and the 400 and 409 answers are documented (the schema and the browsable docs)."""
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        patch = operations.get("patch")
        if not patch:
            continue
        for media in patch.get("requestBody", {}).get("content", {}).values():
            name = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            component = schemas.get(name, {})
            if "version" in component.get("properties", {}):
                required = component.setdefault("required", [])
                if "version" not in required:
                    required.append("version")
                patch.get("requestBody", {})["required"] = True
                for code, answer in VERSION_CONFLICT.items():
                    patch["responses"].setdefault(code, answer)
    return result


__all__ = ["ConsentRequired", "Pagination", "exception_handler", "pop_version"]


def _walk(obj, path: str):
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


class AuditedList:
    """A list endpoint of personal rows: one access event per page, naming the people it showed
    (so each person's access log lists it). `audit_person` is the path from a row to its person
    id, e.g. "person_id" or "spell.person_id" (select the related row in get_queryset). The event's
    page is "api:<last path segment>" (api:cases, api:markers...) unless `audit_page` names it."""

    audit_page = ""
    audit_person = "person_id"

    def list(self, request, *args, **kwargs):
        from audit.models import Action
        from audit.services import access_list_record

        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page)
        data = self.get_serializer(rows, many=True).data
        access_list_record(
            user=request.user,
            action=Action.VIEW,
            page=self.audit_page or "api:" + request.path.rstrip("/").rsplit("/", 1)[-1],
            people=[_walk(row, self.audit_person) for row in rows],
        )
        return self.get_paginated_response(data)
