from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from vocapp import registry

        from . import annotations, demo, demo_answers, gdpr, importers
        from .selectors import count_active_rules

        self.register_dashboards(registry)
        registry.navigation.register(
            registry.NavEntry("surveys", _("Surveys"), "surveys:list", order=300)
        )
        registry.navigation.register(
            registry.NavEntry("listening", _("Listening"), "surveys:rules", order=310)
        )
        # Every message sent, with its status: where a demo follows its SMS links.
        registry.navigation.register(
            registry.NavEntry(
                "outbox", _("Outbox"), "surveys:outbox", capability="configure", order=320
            )
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
            registry.TouchpointAnnotation(
                "listening",
                annotations.listening_lines,
                order=10,
                link=registry.TouchpointLink(
                    _("Invitations: sent, answered, not sent and why"),
                    "surveys:touchpoint_invitations",
                ),
            )
        )
        self.register_open_survey_links(registry)
        # Everyone reads the delivery policy (it explains why invitations were not sent); only
        # admins change it, so the tab is shown to every role.
        registry.settings_tabs.register(
            registry.NavEntry("delivery", _("Delivery policy"), "surveys:delivery_policy", order=50)
        )
        # Channels hold credentials and spend money: admins only.
        registry.settings_tabs.register(
            registry.NavEntry(
                "channels",
                _("Channels"),
                "surveys:channels",
                capability="manage_organization",
                order=55,
            )
        )
        registry.demo_seeders.register(registry.DemoSeeder("surveys", demo.seed_surveys, order=30))
        registry.demo_seeders.register(
            registry.DemoSeeder("channels", demo.seed_channels, order=35)
        )
        registry.demo_seeders.register(
            registry.DemoSeeder("interactions", demo.seed_interactions, order=40)
        )
        # Six months of answers (after the scripted interactions, whose fatigue they respect).
        registry.demo_seeders.register(
            registry.DemoSeeder("answers", demo_answers.seed_answers, order=45)
        )
        importers.register()
        self.connect_receivers()
        registry.gdpr_exporters.register(
            registry.GdprExporter("interactions", gdpr.export_interactions, order=30)
        )
        registry.gdpr_exporters.register(
            registry.GdprExporter("invitations", gdpr.export_invitations, order=31)
        )
        registry.gdpr_exporters.register(
            registry.GdprExporter("messages", gdpr.export_messages, order=32)
        )
        registry.gdpr_erasers.register(
            registry.GdprEraser("interactions", gdpr.erase_interactions, order=30)
        )
        registry.gdpr_erasers.register(
            registry.GdprEraser("messages", gdpr.erase_messages, order=31)
        )
        self.register_answers(registry)

    def register_open_survey_links(self, registry):
        """The touchpoint's open survey (/q/<key>/): its page, with the kiosk devices, and its QR
        code to print (PNG) or to hand to a designer (SVG)."""
        from .open_surveys import kiosk_lines, no_lines

        links = [
            ("open_survey", kiosk_lines, _("Open survey: link, QR code and kiosks"), "open_survey"),
            ("qr_png", no_lines, _("QR code (PNG, to print)"), "qr_png"),
            ("qr_svg", no_lines, _("QR code (SVG, for a designer)"), "qr_svg"),
        ]
        for order, (key, annotate, label, page) in enumerate(links, start=20):
            registry.touchpoint_annotations.register(
                registry.TouchpointAnnotation(
                    key,
                    annotate,
                    order=order,
                    link=registry.TouchpointLink(label, f"surveys:touchpoint_{page}"),
                )
            )

    def register_dashboards(self, registry):
        """The dashboards: first in the navigation, linked from journey maps and touchpoints."""
        from .views.dashboards.annotations import score_lines

        registry.navigation.register(
            registry.NavEntry("dashboard", _("Dashboard"), "surveys:overview", order=50)
        )
        registry.journey_links.register(
            registry.JourneyLink(
                "scores", _("Scores and emotion curve"), "surveys:journey_scores", order=10
            )
        )
        registry.touchpoint_annotations.register(
            registry.TouchpointAnnotation(
                "scores",
                score_lines,
                order=5,
                link=registry.TouchpointLink(
                    _("Scores: trend, distribution, verbatims"), "surveys:touchpoint_scores"
                ),
            )
        )

    def register_answers(self, registry):
        """What customers answered: on the contact's profile, in GDPR exports and erasures."""
        from . import gdpr, profile

        registry.gdpr_exporters.register(
            registry.GdprExporter("responses", gdpr.export_responses, order=33)
        )
        registry.gdpr_erasers.register(registry.GdprEraser("answers", gdpr.erase_answers, order=32))
        registry.contact_panels.register(
            registry.Panel(
                "answers",
                _("Survey answers"),
                "surveys/_contact_answers.html",
                profile.contact_answers,
                order=20,
            )
        )

    def connect_receivers(self):
        from anymail.signals import tracking

        from vocapp.tenancy.signals import organization_updated

        from .signals import invitations_due
        from .tasks import nudge_dispatcher, rebuild_on_time_zone_change
        from .webhooks import on_tracking

        invitations_due.connect(nudge_dispatcher, dispatch_uid="surveys.nudge_dispatcher")
        tracking.connect(on_tracking, dispatch_uid="surveys.email_tracking")
        organization_updated.connect(
            rebuild_on_time_zone_change, dispatch_uid="surveys.rebuild_on_time_zone_change"
        )
