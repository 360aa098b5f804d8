from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Bearer vk_<prefix>_<secret>`` in the OpenAPI schema."""

    target_class = "vocapp.tenancy.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "vk_<prefix>_<secret>",
            "description": "An API key of the organization, created in Settings → API keys.",
        }
