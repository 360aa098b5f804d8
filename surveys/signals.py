"""Signals other parts of the product react to."""

from django.dispatch import Signal

# Sent after commit, once per ingest request, when an invitation is due now (a hot survey):
# the dispatcher sends it without waiting for its next periodic pass. Argument: organization_id.
invitations_due = Signal()

# Sent inside the transaction that stores an answer (a score, a choice or a verbatim), once per
# answer stored: later parts (alerts on detractors) react to it. Arguments: answer, response.
answer_recorded = Signal()
