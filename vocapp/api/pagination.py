from rest_framework.pagination import CursorPagination


class Pagination(CursorPagination):
    """Cursor pagination: stable under inserts, cheap at any depth."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
