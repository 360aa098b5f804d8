from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another object of the same organization.

    The queryset is taken at validation time, inside the request's scope: another organization's
    id gets the same "does not exist" message as an id that does not exist at all.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()
