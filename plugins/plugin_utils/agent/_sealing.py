"""Secrets sealed on the host for the controller: a fresh RSA key pair per secret, RSA-OAEP on the way back.

A secret that an op must return (today only a BitLocker recovery password) never crosses the connection in clear:
the controller makes a new key pair for the op, sends the public key as the op's `public_key` argument, and the
agent encrypts the secret with it before the secret leaves its process. Whatever the transport prints or logs
(ssh with ANSIBLE_DEBUG prints raw output chunks; a proxy, a packet capture of plain-HTTP WinRM) holds only
ciphertext that the private key, which never leaves this process's memory, can open. no_log stays on as a second
layer.

Windows side (agent/bitlocker.ps1, Protect-OnePacsSecret; the lab's simulator does the same in Python): Windows
PowerShell 5.1 runs on the .NET Framework, whose System.Security.Cryptography.RSACryptoServiceProvider imports a
public key from RSAParameters (Modulus and Exponent, big-endian byte arrays) and encrypts with OAEP padding when
Encrypt's fOAEP argument is true; that OAEP uses SHA-1 for both the hash and MGF1, the only OAEP the CryptoAPI
provider implements. Sources:
https://learn.microsoft.com/en-us/dotnet/api/system.security.cryptography.rsacryptoserviceprovider.encrypt
https://learn.microsoft.com/en-us/dotnet/api/system.security.cryptography.rsaparameters (big-endian fields)
https://learn.microsoft.com/en-us/dotnet/api/system.security.cryptography.rsaencryptionpadding.oaepsha1
Importing a public-only key uses the CryptoAPI's CRYPT_VERIFYCONTEXT provider, so no key container or user profile
is touched on the host (the .NET Framework's own source, ImportParameters:
https://github.com/microsoft/referencesource/blob/master/mscorlib/system/security/cryptography/rsacryptoserviceprovider.cs).
The controller side uses `cryptography`, which every ansible-core release requires (its install_requires), so the
collection adds no dependency for it.

OAEP with SHA-1 has no known weakness as an encryption padding (SHA-1's collision attacks do not apply to it); a
3072-bit modulus is NIST SP 800-57's level for use beyond 2030.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
except ImportError as exc:  # ansible-core depends on cryptography; ansible-test's import check runs without it
    CRYPTOGRAPHY_IMPORT_ERROR: ImportError | None = exc
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None

KEY_BITS = 3072
PUBLIC_EXPONENT = 65537
#: The op argument that carries the public key, and the result field that carries the sealed secret.
PUBLIC_KEY_ARG = "public_key"
ALGORITHM = "RSA-OAEP-SHA1"


class UnsealError(ValueError):
    """The sealed value could not be opened (not base64, wrong key, tampered). The message never holds a secret."""


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)


def _b64_big_endian(number: int) -> str:
    return base64.b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).decode("ascii")


@dataclass(frozen=True)
class SealingKey:
    """One fresh key pair for one secret. Only `public_argument()` ever goes to a host."""

    _private: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def new(cls) -> SealingKey:
        if CRYPTOGRAPHY_IMPORT_ERROR is not None:
            raise ImportError(
                "the Python package 'cryptography' (an ansible-core dependency) is needed on the controller to seal "
                f"recovery passwords: {CRYPTOGRAPHY_IMPORT_ERROR}"
            ) from CRYPTOGRAPHY_IMPORT_ERROR
        return cls(rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS))

    def public_argument(self) -> dict[str, str]:
        """{algorithm, modulus, exponent}: base64 of the big-endian bytes, as .NET's RSAParameters takes them."""
        numbers = self._private.public_key().public_numbers()
        return {"algorithm": ALGORITHM, "modulus": _b64_big_endian(numbers.n), "exponent": _b64_big_endian(numbers.e)}

    def unseal(self, sealed: Any) -> str:
        """The secret from its base64 ciphertext; UnsealError when it is not one sealed with this key."""
        if not isinstance(sealed, str):
            raise UnsealError(f"the sealed value is a {type(sealed).__name__}, not base64 text")
        try:
            ciphertext = base64.b64decode(sealed.encode("ascii"), validate=True)
            return self._private.decrypt(ciphertext, _oaep()).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise UnsealError("the sealed value does not open with this run's key (corrupted or not ours)") from None
