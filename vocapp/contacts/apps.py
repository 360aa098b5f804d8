from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "vocapp.contacts"
    label = "contacts"
