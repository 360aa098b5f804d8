"""Sending SMS and email: the transports, GSM-7 handling and the message templates.

A library with no models and no knowledge of surveys or journeys: callers pass addresses, bodies
and credentials in, and get a provider id back or a ``TransportError`` that says whether trying
again can help. Tests replace the providers at this one chokepoint (``SMS_BACKEND`` and
``EMAIL_BACKEND``), never the network.
"""
