from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "custody"
    verbose_name = "Custody and benefits"

    def ready(self):
        from consent.policy import register_gateway_source
        from custody.gateway import surgery_gateway

        register_gateway_source(surgery_gateway)
