from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and staff"

    def ready(self):
        from agencies import schema  # noqa: F401  (registers the OpenAPI auth extensions)
