from django.urls import path

from .views import contacts, imports, segments

app_name = "contacts"

urlpatterns = [
    path("contacts/", contacts.ContactListView.as_view(), name="list"),
    path("contacts/attributes/", contacts.AttributesView.as_view(), name="attributes"),
    path("contacts/<int:pk>/", contacts.ContactDetailView.as_view(), name="detail"),
    path("contacts/<int:pk>/export/", contacts.ContactExportView.as_view(), name="export"),
    path("contacts/<int:pk>/erase/", contacts.ContactEraseView.as_view(), name="erase"),
    path("contacts/<int:pk>/opt-out/", contacts.ContactOptOutView.as_view(), name="opt_out"),
    path("segments/", segments.SegmentListView.as_view(), name="segments"),
    path("segments/new/", segments.SegmentEditView.as_view(), name="segment_new"),
    path("segments/preview/", segments.SegmentPreviewView.as_view(), name="segment_preview"),
    path("segments/<int:pk>/", segments.SegmentEditView.as_view(), name="segment_edit"),
    path("imports/", imports.ImportListView.as_view(), name="imports"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/progress/", imports.ImportProgressView.as_view(), name="import_progress"
    ),
    path(
        "imports/<int:pk>/rejections.csv",
        imports.ImportRejectionsView.as_view(),
        name="import_rejections",
    ),
]
