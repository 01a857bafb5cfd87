"""IAM enforced in the local cloud: who a request comes from (:mod:`.credentials`), what it does to which
resource (:mod:`.requests`), how IAM decides (:mod:`.policy`, :mod:`.conditions`) and the decisions against the
emulator's state (:mod:`.authorizer`). The moto adapter asks it at one hook (``install_iam``)."""

from pulumi_wasp.localcloud.iam.authorizer import Authorizer, Denial
from pulumi_wasp.localcloud.iam.credentials import Credentials

__all__ = ["Authorizer", "Credentials", "Denial"]
