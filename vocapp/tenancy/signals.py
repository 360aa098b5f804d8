"""Signals of the platform core, for the apps to its right."""

from django.dispatch import Signal

# After an admin saved the organization's settings: ``organization`` and ``changes``
# ({field: [before, after]}), sent once the transaction is committed.
organization_updated = Signal()
