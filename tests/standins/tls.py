"""A test certificate authority shared by the TLS stand-ins.

Stand-ins serve TLS with a certificate for 127.0.0.1 and localhost issued by one
in-memory trustme CA; clients trust it through `client_ssl_context()`.
"""

from __future__ import annotations

import functools
import ssl

import trustme


@functools.cache
def test_ca() -> trustme.CA:
    """Return the process-wide test CA."""
    return trustme.CA()


@functools.cache
def _server_certificate() -> trustme.LeafCert:
    return test_ca().issue_cert("127.0.0.1", "localhost", "::1")


def server_ssl_context() -> ssl.SSLContext:
    """Build a server context that presents the loopback certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _server_certificate().configure_cert(context)
    return context


def client_ssl_context() -> ssl.SSLContext:
    """Build a client context that trusts only the test CA."""
    context = ssl.create_default_context()
    test_ca().configure_trust(context)
    return context
