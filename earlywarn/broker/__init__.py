"""The embedded Kafka-compatible broker (Tansu) and its client-side workarounds.

:class:`EmbeddedBroker` runs the broker process; :func:`create_topics` creates topics up
front; :mod:`earlywarn.broker.tansu_fix` corrects this broker's wrong end offsets and must be
applied only when the broker is the embedded one.
"""

from earlywarn.broker.embedded import EmbeddedBroker
from earlywarn.broker.errors import (
    BrokerBinaryError,
    BrokerExitedError,
    BrokerPortInUseError,
    EmbeddedBrokerError,
)
from earlywarn.broker.tansu_binary import find_tansu_binary
from earlywarn.broker.tansu_fix import (
    install_faust_fix,
    is_faust_fix_installed,
    true_highwaters,
    uninstall_faust_fix,
)
from earlywarn.broker.topics import create_topics

__all__ = [
    "BrokerBinaryError",
    "BrokerExitedError",
    "BrokerPortInUseError",
    "EmbeddedBroker",
    "EmbeddedBrokerError",
    "create_topics",
    "find_tansu_binary",
    "install_faust_fix",
    "is_faust_fix_installed",
    "true_highwaters",
    "uninstall_faust_fix",
]
