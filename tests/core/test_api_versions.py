"""Optimistic locking in the API: every PATCH of a versioned resource must send `version`."""

from drf_spectacular.generators import SchemaGenerator


def _patch_bodies():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        if "patch" in operations:
            ref = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]
            yield path, operations["patch"], components[ref["$ref"].rsplit("/", 1)[-1]]


def test_every_patch_of_a_versioned_resource_requires_version_in_the_schema():
    checked = []
    for path, operation, body in _patch_bodies():
        if "version" in body["properties"]:
            assert "version" in body.get("required", []), path
            assert {"400", "409"} <= set(operation["responses"]), path
            checked.append(path)
    assert {
        "/api/v1/cases/{case_pk}/actions/{action_pk}/",
        "/api/v1/applications/{id}/",
        "/api/v1/people/{id}/",
        "/api/v1/freshstart-appointments/{id}/",
    } <= set(checked)
