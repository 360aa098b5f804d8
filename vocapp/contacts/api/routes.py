from vocapp.api.urls import router

from .views import AttributeDefinitionViewSet, ContactViewSet, SegmentViewSet

router.register("contacts", ContactViewSet, basename="contact")
router.register("contact-attributes", AttributeDefinitionViewSet, basename="contact-attribute")
router.register("segments", SegmentViewSet, basename="segment")
