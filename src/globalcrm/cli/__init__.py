"""The ``globalcrm`` command: one module per area (customers, privacy, payments, service...).

Errors from the library are printed as one line (``row 3: phones[0]: ...``) with exit code 1;
no traceback reaches the user. Usage errors exit with code 2.
"""

from __future__ import annotations

from globalcrm.cli import (  # noqa: F401 - each module registers its commands on ``app``
    customers,
    loyalty,
    messages,
    metrics,  # metrics (issue 19)
    payments,
    privacy,
    recommendations,  # recommendations (issue 20)
    requests,  # data-subject requests and the consent history import (issue 16)
    retention,  # retention policies, legal holds and the sweep (issue 16)
    segments,
    service,
)
from globalcrm.cli.base import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``globalcrm`` script."""
    app()
