from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self):
        from vocapp import registry

        from . import demo
        from .selectors import count_journeys

        registry.navigation.register(
            registry.NavEntry("journeys", _("Journeys"), "journeys:list", order=200)
        )
        registry.navigation.register(
            registry.NavEntry("personas", _("Personas"), "journeys:personas", order=210)
        )
        registry.setup_steps.register(
            registry.SetupStep(
                "journeys",
                _("Map a customer journey"),
                count_journeys,
                url_name="journeys:list",
                capability="configure",
                order=10,
            )
        )
        registry.demo_seeders.register(
            registry.DemoSeeder("journeys", demo.seed_journeys, order=20)
        )
