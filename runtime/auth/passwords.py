"""Password hashing (argon2) and one-time passwords printed by the CLI."""
from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerifyMismatchError

# argon2id with the library's defaults (64 MiB, 3 passes): about 0.15 s per hash or check here.
# The test suite creates and signs in thousands of users, so it sets FORMWORK_TEST_CHEAP_PASSWORD_HASHES=1
# and gets argon2's cheapest profile. Never set it anywhere else. A hash records its own
# parameters, so either kind of hash is checked correctly by either setting.
CHEAP = os.environ.get("FORMWORK_TEST_CHEAP_PASSWORD_HASHES") == "1"
_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if CHEAP else PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def new_password() -> str:
    """A readable one-time password: 4 groups of 4, no look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
