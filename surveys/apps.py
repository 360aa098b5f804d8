from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from vocapp import registry

        from . import annotations, demo
        from .selectors import count_active_rules

        registry.navigation.register(
            registry.NavEntry("surveys", _("Surveys"), "surveys:list", order=300)
        )
        registry.navigation.register(
            registry.NavEntry("listening", _("Listening"), "surveys:rules", order=310)
        )
        registry.setup_steps.register(
            registry.SetupStep(
                "listening",
                _("Decide how each touchpoint is listened to"),
                count_active_rules,
                url_name="surveys:rules",
                capability="configure",
                order=20,
            )
        )
        registry.touchpoint_annotations.register(
            registry.TouchpointAnnotation("listening", annotations.listening_lines, order=10)
        )
        registry.demo_seeders.register(registry.DemoSeeder("surveys", demo.seed_surveys, order=30))
