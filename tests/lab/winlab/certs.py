"""Certificates for the lab's HTTPS listeners: a throwaway CA and a server certificate for 127.0.0.1/localhost.

Clients validate the server against the CA (ansible_winrm_server_cert_validation=validate with
ansible_winrm_ca_trust_path), so HTTPS in the lab exercises the same validation path as production.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"
VALIDITY = datetime.timedelta(days=30)


@dataclass(frozen=True)
class CertificatePaths:
    """Where the CA certificate, the server certificate and the server's private key are stored."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def ensure_certificates(directory: Path | str) -> CertificatePaths:
    """Return the lab certificates in ``directory``, generating a new CA and server certificate when any file is
    missing or the server certificate expires within a day."""
    directory = Path(directory)
    paths = CertificatePaths(directory / CA_FILE, directory / SERVER_CERT_FILE, directory / SERVER_KEY_FILE)
    if all(path.is_file() for path in (paths.ca_cert, paths.server_cert, paths.server_key)) and _still_valid(
        paths.server_cert
    ):
        return paths
    directory.mkdir(parents=True, exist_ok=True)
    _generate(paths)
    return paths


def server_ssl_context(paths: CertificatePaths) -> ssl.SSLContext:
    """A TLS server context presenting the lab server certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=str(paths.server_cert), keyfile=str(paths.server_key))
    return context


def _still_valid(cert_path: Path) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        return False
    return cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=1)


def _generate(paths: CertificatePaths) -> None:
    now = datetime.datetime.now(datetime.UTC)
    not_before = now - datetime.timedelta(minutes=5)  # tolerate small clock differences between processes

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "winlab test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(paths.server_key, key_pem, mode=0o600)
    _write(paths.server_cert, server_cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    _write(paths.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def _write(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
