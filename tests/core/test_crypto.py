"""EncryptedTextField: what Python reads is the plaintext, what the database holds is not; keys
rotate (the first encrypts, all decrypt); a value no key opens says so clearly."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection

from surveys.models import TwilioAccount
from vocapp import crypto
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

TOKEN = "0123456789abcdef0123456789abcdef"
SID = "AC" + "a" * 32


def stored_token(account) -> str:
    """The column as the database holds it, read around the field."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT auth_token FROM {TwilioAccount._meta.db_table} WHERE id = %s",  # noqa: S608
            [account.pk],
        )
        return cursor.fetchone()[0]


def reload(account):
    return TwilioAccount.objects.unscoped().get(pk=account.pk)


@pytest.fixture
def account(org_a):
    with organization_scope(org_a):
        return TwilioAccount.objects.create(label="Main", account_sid=SID, auth_token=TOKEN)


def test_it_reads_back_the_plaintext_and_stores_something_else(account):
    assert reload(account).auth_token == TOKEN
    stored = stored_token(account)
    assert stored != TOKEN and TOKEN not in stored
    assert crypto.decrypt(stored) == TOKEN


def test_the_same_value_encrypts_differently_each_time():
    assert crypto.encrypt(TOKEN) != crypto.encrypt(TOKEN)


def test_empty_values_are_stored_as_they_are():
    field = TwilioAccount._meta.get_field("auth_token")
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("", None, connection) == ""


def test_it_rotates_keys_the_first_encrypts_and_every_one_decrypts(settings, account):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    account = reload(account)
    settings.FIELD_ENCRYPTION_KEYS = [old]
    account.save()
    assert Fernet(old).decrypt(stored_token(account).encode()).decode() == TOKEN

    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # the new key first; the old one still decrypts
    assert reload(account).auth_token == TOKEN
    account = reload_and_save(account)  # saving again encrypts with the new key
    assert Fernet(new).decrypt(stored_token(account).encode()).decode() == TOKEN

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped: the row still opens
    assert reload(account).auth_token == TOKEN


def reload_and_save(account):
    account = reload(account)
    account.save()
    return account


def test_a_value_no_key_opens_raises_a_clear_error(settings, account):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        reload(account)


def test_without_the_setting_keys_come_from_secret_key_and_its_fallbacks(settings, account):
    account = reload(account)
    settings.FIELD_ENCRYPTION_KEYS = []
    account.save()
    encrypted_under = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-this-test"
    with pytest.raises(crypto.DecryptionError):
        reload(account)
    settings.SECRET_KEY_FALLBACKS = [encrypted_under]
    assert reload(account).auth_token == TOKEN


def test_a_malformed_key_names_the_setting(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not a key"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS: key 1"):
        crypto.encrypt(TOKEN)


def test_it_refuses_to_filter_on_an_encrypted_column(account):
    with pytest.raises(FieldError, match="cannot be filtered"):
        TwilioAccount.objects.unscoped().filter(auth_token=TOKEN).exists()
    assert TwilioAccount.objects.unscoped().filter(auth_token__isnull=False).exists()
