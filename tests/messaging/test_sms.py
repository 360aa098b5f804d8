from vocapp.messaging import sms
from vocapp.messaging.sms import (
    ConsoleBackend,
    LocMemBackend,
    SmsMessage,
    TwilioCredentials,
    get_sms_backend,
    platform_credentials,
)


def message(body="Alpha Shop: rate us 0-10", to="+33612345678"):
    return SmsMessage(to=to, sender="+15005550006", body=body)


def test_tests_use_the_locmem_backend():
    assert isinstance(get_sms_backend(), LocMemBackend)


def test_it_chooses_the_backend_from_the_settings(settings):
    settings.SMS_BACKEND = "vocapp.messaging.sms.ConsoleBackend"

    assert isinstance(get_sms_backend(), ConsoleBackend)


def test_locmem_appends_to_the_outbox(sms_outbox):
    sent = get_sms_backend().send(message())

    assert sms_outbox == [message()]
    assert sms_outbox[0].to == "+33612345678"
    assert sms_outbox[0].sender == "+15005550006"
    assert sent.provider_id.startswith("locmem-")
    assert sent.status == "sent"
    assert sent.segments == 1


def test_locmem_counts_segments():
    sent = LocMemBackend().send(message(body="a" * 161))

    assert sent.segments == 2


def test_locmem_ids_stay_unique_when_the_outbox_is_cleared(sms_outbox):
    first = LocMemBackend().send(message())
    sms_outbox.clear()
    second = LocMemBackend().send(message())

    assert first.provider_id != second.provider_id


def test_locmem_knows_the_status_of_what_it_sent_only():
    backend = LocMemBackend()
    sent = backend.send(message())

    assert backend.fetch_status(sent.provider_id, None) == "sent"
    assert backend.fetch_status("locmem-0", None) is None
    assert backend.fetch_status("SM" + "0" * 32, None) is None


def test_console_prints_the_message(capsys):
    backend = ConsoleBackend()

    sent = backend.send(message(body="Alpha Shop: rate us 0-10 https://voc.example.com/s/x/"))

    out = capsys.readouterr().out
    assert "https://voc.example.com/s/x/" in out
    assert "+33612345678" in out
    assert "+15005550006" in out
    assert sent.provider_id.startswith("console-")
    assert sent.provider_id in out
    assert sent.status == "sent"
    assert backend.fetch_status(sent.provider_id, None) == "sent"
    assert backend.fetch_status("locmem-1", None) is None


def test_console_ids_are_unique(capsys):
    backend = ConsoleBackend()

    assert backend.send(message()).provider_id != backend.send(message()).provider_id


def test_platform_credentials_come_from_the_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "secret-token"

    assert platform_credentials() == TwilioCredentials("AC" + "1" * 32, "secret-token")


def test_there_are_no_platform_credentials_without_both_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = ""

    assert platform_credentials() is None


def test_credentials_never_show_the_token():
    credentials = TwilioCredentials("AC" + "1" * 32, "secret-token")

    assert "secret-token" not in repr(credentials)
    assert "secret-token" not in repr(SmsMessage("+1", "+2", "x", credentials=credentials))


def test_the_outbox_is_the_module_list(sms_outbox):
    LocMemBackend().send(message(to="+33699999999"))

    assert sms.outbox is sms_outbox
    assert sms.outbox[-1].to == "+33699999999"
