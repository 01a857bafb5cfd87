"""What a program's ``localcloud_scenario.py`` is written with (see :mod:`.hook` for the file itself):

* :class:`~pulumi_wasp.localcloud.client.Cloud`, the client of the running cloud, with :func:`wait_for` and
  :class:`FlowFailedError`;
* :class:`Flow` and :func:`run_flows`: named, independent flows run concurrently, one report line each,
  selected by ``wasp local run --flow``;
* :func:`check_invariant`: every accepted message was processed or is in a DLQ, once the cloud settles.

A complete scenario::

    from pulumi_wasp.localcloud.scenario import Cloud, Flow, FlowFailedError, check_invariant, run_flows

    def greeting(cloud: Cloud) -> str:
        answer = cloud.api("GET", "/hello")
        if answer.status != 200:
            raise FlowFailedError(f"GET /hello answered {answer.status}")
        return "GET /hello 200"

    FLOWS = [Flow("greeting", greeting, needs=("api_url",))]

    def scenario(cloud: Cloud) -> None:
        run_flows(cloud, FLOWS)
"""

from __future__ import annotations

from pulumi_wasp.localcloud.client import Cloud, FlowFailedError, wait_for
from pulumi_wasp.localcloud.scenario.flows import Flow, FlowResult, FlowSelectionError, run_flows
from pulumi_wasp.localcloud.scenario.invariant import Invariant, check_invariant

__all__ = [
    "Cloud",
    "Flow",
    "FlowFailedError",
    "FlowResult",
    "FlowSelectionError",
    "Invariant",
    "check_invariant",
    "run_flows",
    "wait_for",
]
