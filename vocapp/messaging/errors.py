"""The one exception every transport raises, so that callers decide retries without knowing SDKs."""


class TransportError(Exception):
    """The provider did not take the message.

    ``permanent`` means trying again cannot help (an invalid number, an address that opted out,
    refused credentials); otherwise the caller may retry, no sooner than ``retry_after`` seconds
    when the provider said so. ``code`` is the provider's error code when it gave one.
    """

    def __init__(
        self,
        detail: str,
        *,
        permanent: bool,
        code: str = "",
        retry_after: float | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after

    def __repr__(self):
        kind = "permanent" if self.permanent else "transient"
        return f"TransportError({self.detail!r}, {kind}, code={self.code!r})"
