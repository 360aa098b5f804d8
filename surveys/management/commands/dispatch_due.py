from django.core.management.base import BaseCommand

from surveys import dispatch, followups, provider_events


class Command(BaseCommand):
    help = "Run one dispatch pass by hand: send what is due, sweep, remind; print what happened."

    def handle(self, *args, **options):
        from django.utils import timezone

        now = timezone.now()
        swept = provider_events.sweep_sending(now)
        expired = dispatch.expire_unanswered(now)
        reminders = followups.schedule_reminders(now)
        result = dispatch.dispatch_due()
        self.stdout.write(f"dispatch: {result}")
        self.stdout.write(
            f"swept to uncertain: {swept}, expired: {expired}, reminders scheduled: {reminders}"
        )
        if result.retries:
            self.stdout.write(
                f"{len(result.retries)} message(s) failed for a moment: the worker tries again."
            )
            from surveys.tasks import send_message_later

            for message_id, delay in result.retries:
                send_message_later.apply_async((message_id,), countdown=delay)
