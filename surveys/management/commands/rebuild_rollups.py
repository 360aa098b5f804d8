from django.core.management.base import BaseCommand, CommandError

from surveys.rollups import rebuild_rollups
from vocapp.tenancy.models import Organization


class Command(BaseCommand):
    help = (
        "Rebuild the dashboards' rollups from the raw answers and invitations (idempotent): "
        "of one organization, or of every one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization.")

    def handle(self, *args, organization=None, **options):
        found = None
        if organization:
            found = Organization.objects.filter(slug=organization).first()
            if found is None:
                raise CommandError(f"No organization with the slug '{organization}'.")
        result = rebuild_rollups(found)
        for slug in result.organizations:
            self.stdout.write(f"rebuilt: {slug}")
        self.stdout.write(str(result))
