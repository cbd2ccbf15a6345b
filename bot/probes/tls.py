"""TLS contexts, certificate descriptions and the classification of TLS failures."""

from __future__ import annotations

import datetime as dt
import ssl
import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID

from bot.probes.model import ProbeError

# OpenSSL X509_V_ERR_* verify codes -> finding codes.
_VERIFY_CODES = {
    9: "cert_not_yet_valid",
    64: "cert_hostname_mismatch",  # IP address mismatch
    10: "cert_expired",
    18: "cert_self_signed",  # depth zero self-signed
    19: "cert_self_signed",  # self-signed certificate in chain
    62: "cert_hostname_mismatch",
}
_OLD_VERSION_REASONS = frozenset(
    {
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "UNSUPPORTED_PROTOCOL",
        "WRONG_SSL_VERSION",
        "NO_PROTOCOLS_AVAILABLE",
    }
)
OLD_VERSIONS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})


def verifying_context() -> ssl.SSLContext:
    """The system trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured), host names checked."""
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH)


def inspecting_context() -> ssl.SSLContext:
    """No verification, old versions allowed: only to look at a server that already failed.

    It reads a faulty certificate, and tells a server that only speaks TLS 1.0/1.1.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


class TlsFailure(ProbeError):
    """cert_*, tls_old_version or tls_handshake_failed; SILENT when the server never answered."""

    def __init__(self, code: str, detail: str, *, silent: bool = False) -> None:
        super().__init__(code, detail)
        self.silent = silent

    @property
    def is_certificate(self) -> bool:
        return self.code.startswith("cert_")


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(found) < 8:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def classify(error: BaseException) -> TlsFailure | None:
    """The TLS failure behind ERROR (looked for in its cause chain), or None if none is."""
    for item in _chain(error):
        if isinstance(item, ssl.SSLCertVerificationError):
            code = _VERIFY_CODES.get(item.verify_code, "cert_untrusted")
            return TlsFailure(code, item.verify_message or str(item))
        if isinstance(item, ssl.SSLError):
            reason = item.reason or ""
            if reason in _OLD_VERSION_REASONS:
                return TlsFailure(
                    "tls_old_version",
                    f"le serveur ne propose pas TLS 1.2 ou plus récent ({reason})",
                )
            return TlsFailure("tls_handshake_failed", f"négociation TLS refusée ({reason or item})")
    return None


def _name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string() or "?"


def _names(certificate: x509.Certificate) -> list[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(value) for value in extension.value.get_values_for_type(x509.DNSName)][:5]


def describe_certificate(der: bytes | None) -> str:
    """Subject, names, issuer and validity dates of a DER certificate, in French."""
    if not der:
        return "certificat illisible"
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return "certificat illisible"
    names = _names(certificate)
    parts = [f"sujet {_name(certificate.subject)}"]
    if names:
        parts.append(f"noms {', '.join(names)}")
    parts.append(f"émetteur {_name(certificate.issuer)}")
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    parts.append(f"valide du {_date(start)} au {_date(end)}")
    return " ; ".join(parts)


def _date(moment: dt.datetime) -> str:
    return moment.strftime("%d/%m/%Y")


def session_summary(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> tuple[str, str]:
    """(protocol version, certificate description) of an established TLS session."""
    if ssl_object is None:
        return "?", "certificat illisible"
    version = ssl_object.version() or "?"
    return version, describe_certificate(ssl_object.getpeercert(binary_form=True))
