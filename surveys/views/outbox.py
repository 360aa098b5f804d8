"""The Outbox: every message sent for the organization's invitations, newest first, with its
status. With the embedded default's console SMS backend it is where a demo reads its SMS and
follows their links."""

from urllib.parse import urlencode

from django.core.paginator import Paginator

from ..models import Message, MessageStatus
from .base import ConfigurePage

PAGE_SIZE = 50
CHANNELS = (("sms", "SMS"), ("email", "Email"))


class OutboxView(ConfigurePage):
    section = "outbox"

    def get(self, request, org_slug):
        channel = request.GET.get("channel", "")
        status = request.GET.get("status", "")
        messages = Message.objects.select_related("invitation__touchpoint", "invitation__contact")
        if channel in dict(CHANNELS):
            messages = messages.filter(channel=channel)
        else:
            channel = ""
        if status in MessageStatus.values:
            messages = messages.filter(status=status)
        else:
            status = ""
        page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
        filters = {"channel": channel, "status": status}
        return self.render_page(
            "surveys/outbox.html",
            {
                "page": page,
                "filters": filters,
                "channels": CHANNELS,
                "statuses": MessageStatus.choices,
                "query": urlencode({name: value for name, value in filters.items() if value}),
            },
        )
