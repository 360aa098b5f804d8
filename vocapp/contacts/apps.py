from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "vocapp.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from vocapp import registry

        from . import demo, gdpr, importers, retention
        from .models import Contact

        registry.navigation.register(
            registry.NavEntry("contacts", _("Contacts"), "contacts:list", order=600)
        )
        registry.navigation.register(
            registry.NavEntry("segments", _("Segments"), "contacts:segments", order=610)
        )
        registry.navigation.register(
            registry.NavEntry(
                "imports", _("Imports"), "contacts:imports", capability="configure", order=620
            )
        )
        registry.setup_steps.register(
            registry.SetupStep(
                "contacts",
                _("Bring in your customers (contacts)"),
                lambda org: Contact.objects.filter(erased_at__isnull=True).count(),
                url_name="contacts:imports",
                capability="configure",
                order=5,
            )
        )
        registry.gdpr_exporters.register(
            registry.GdprExporter("contact", gdpr.export_contact_fields, order=0)
        )
        registry.gdpr_erasers.register(
            registry.GdprEraser("import_rejections", gdpr.erase_import_rejections, order=900)
        )
        registry.gdpr_erasers.register(
            registry.GdprEraser("contact", gdpr.erase_contact_fields, order=1000)
        )
        registry.retention_purgers.register(
            registry.RetentionPurger("inactive_contacts", retention.erase_inactive_contacts)
        )
        registry.demo_seeders.register(
            registry.DemoSeeder("contacts", demo.seed_contacts, order=10)
        )
        importers.register()
