# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""TLS for --https: a throw-away test CA and server certificate (made with the cryptography package), and the server context."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile

from .state import atomic_write


def _cert_hosts(hosts):
    names, addresses = ["localhost"], ["127.0.0.1", "::1"]
    for host in hosts or ():
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            if host and host not in names:
                names.append(host)
            continue
        if address not in addresses and address not in ("0.0.0.0", "::"):
            addresses.append(address)
    return names, addresses


def _key_usage(x509, cert_sign):
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def generate_self_signed_cert(directory, hosts=None):
    """Create a test CA and a server certificate for localhost, 127.0.0.1, ::1 (and hosts) in directory.

    Returns (cert_path, key_path, ca_path): cert_path holds the server certificate followed by the CA,
    ca_path only the CA (use it as a client CA bundle). Needs the cryptography package (RuntimeError without it).
    """
    # pylint: disable=import-outside-toplevel
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:
        raise RuntimeError(
            f"--https without --cert/--key needs the cryptography package ({exc})"
        ) from None

    names, addresses = _cert_hosts(hosts)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "Bird API simulator test CA")]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(x509, cert_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(name) for name in names] + [
        x509.IPAddress(ipaddress.ip_address(addr)) for addr in addresses
    ]
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(x509, cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    paths = {
        name: os.path.join(directory, f"{name}.pem") for name in ("cert", "key", "ca")
    }
    contents = {
        "cert": leaf_cert.public_bytes(pem) + ca_pem,
        "key": leaf_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "ca": ca_pem,
    }
    for name, path in paths.items():
        with open(path, "wb") as handle:
            handle.write(contents[name])
    return paths["cert"], paths["key"], paths["ca"]


def server_context(options):
    """(SSL context, CA file for clients, temp dir to remove on stop or None) for the https start-up options."""
    cert, key = options["cert"], options["key"]
    if bool(cert) != bool(key):
        raise ValueError("--cert and --key must be given together")
    tempdir = None
    if cert:
        ca_file = cert
    else:
        tempdir = tempfile.mkdtemp(prefix="bird-simulator-tls-")
        try:
            cert, key, ca_file = generate_self_signed_cert(tempdir, [options["host"]])
        except BaseException:
            shutil.rmtree(tempdir, ignore_errors=True)
            raise
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if options["cert_out"]:
        with open(ca_file, encoding="ascii") as handle:
            atomic_write(options["cert_out"], handle.read())
        ca_file = options["cert_out"]
    return context, ca_file, tempdir
