"""Credentials of role sessions, issued by the local cloud to whoever acts as a role.

Each function's execution environment is given the credentials of its execution role (as Lambda does), and Step
Functions' tasks those of the state machine's role. An access key id maps to its session in this table, which
the evaluator holds in the emulator's process; nothing goes through STS: the table is the whole of what
AssumeRole would have produced (an assumed-role ARN per access key), without a request per environment start
and without trusting moto's STS to keep keys apart per role.

Any other access key (the ``localcloud`` key of ``endpoints.json``, or whatever fake key an SDK caller signs
with) is the account's administrator, as every caller was before IAM was enforced.
"""

from __future__ import annotations

import hashlib
import threading

from pulumi_wasp.localcloud.iam.policy import Principal


def role_name(role_arn: str) -> str:
    """The role's name: the last part of its ARN (``arn:aws:iam::1:role/path/name`` → ``name``)."""
    return role_arn.rsplit("/", 1)[-1]


class Credentials:
    def __init__(self, account: str) -> None:
        self.account = account
        self._sessions: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def issue(self, role_arn: str, session_name: str) -> dict[str, str]:
        """The environment variables of a session of ``role_arn`` named ``session_name`` (stable: the same
        role and session always get the same key)."""
        digest = hashlib.sha256(f"{role_arn}\0{session_name}".encode()).hexdigest().upper()
        access_key = "ASIA" + digest[:16]
        principal = Principal(
            account=self.account,
            arn=f"arn:aws:sts::{self.account}:assumed-role/{role_name(role_arn)}/{session_name}",
            role_arn=role_arn,
        )
        with self._lock:
            self._sessions[access_key] = principal
        return {
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": digest[16:56].lower(),
            "AWS_SESSION_TOKEN": digest[56:].lower() or "localcloud",
        }

    def principal(self, access_key: str) -> Principal | None:
        """The role session behind ``access_key``; None for the administrator."""
        return self._sessions.get(access_key)
