from django.core.management.base import BaseCommand, CommandError

from vocapp.tenancy.models import ApiScope, Organization
from vocapp.tenancy.services import create_api_key


class Command(BaseCommand):
    help = "Create an API key for an organization; the key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--scopes",
            default="ingest",
            help="Comma-separated: ingest, read, admin (default: ingest).",
        )
        parser.add_argument("--name", default="Command line")

    def handle(self, *args, slug, scopes, name, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {slug!r}.")
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        unknown = sorted(set(wanted) - set(ApiScope.values))
        if unknown or not wanted:
            raise CommandError(f"Unknown scopes {unknown}; choose among {ApiScope.values}.")
        api_key, full_key = create_api_key("command line", organization, name=name, scopes=wanted)
        self.stdout.write(f"Key {api_key.name} for {organization.slug}, scopes {api_key.scopes}:")
        self.stdout.write(full_key)
