from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vocapp.tenancy.models import Organization, User
from vocapp.tenancy.services import create_organization


class Command(BaseCommand):
    help = "Create an organization and its first admin."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", help="Needed when the admin has no account yet.")
        parser.add_argument("--time-zone", default="Europe/Paris")
        parser.add_argument("--country", default="FR")
        parser.add_argument("--locale", default="en", choices=["en", "fr"])

    def handle(self, *args, slug, name, admin_email, admin_password, **options):
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"An organization with the slug {slug!r} already exists.")
        if not admin_password and not User.objects.filter(email=admin_email.lower()).exists():
            # Without a password the account could never sign in (nor reset one it never had).
            raise CommandError(f"{admin_email} has no account yet: give --admin-password.")
        try:
            organization = create_organization(
                slug=slug,
                name=name,
                admin_email=admin_email,
                admin_password=admin_password,
                time_zone=options["time_zone"],
                country=options["country"],
                default_locale=options["locale"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Created {organization.name} at /o/{organization.slug}/")
