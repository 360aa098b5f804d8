from .gdpr import erase_contact
from .models import Contact


def erase_inactive_contacts(organization, cutoff) -> int:
    """Erase contacts the organization has not mentioned since ``cutoff`` (its retention)."""
    stale = Contact.objects.filter(erased_at__isnull=True, last_seen_at__lt=cutoff)
    count = 0
    for contact in stale.iterator(chunk_size=500):
        erase_contact(None, contact)
        count += 1
    return count
