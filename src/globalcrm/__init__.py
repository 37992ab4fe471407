"""globalcrm: the customer side of a business that sells in many countries, as a library.

The package root is light: its names are loaded on first use (PEP 562), so that importing
``globalcrm.locale``, ``globalcrm.money`` or a ``globalcrm.payments.<format>`` module never loads
the storage stack (SQLAlchemy, Alembic), which only ``gc.open`` needs. Subpackages are reachable
as attributes: ``gc.locale``, ``gc.payments``, ``gc.privacy``, ``gc.money``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names are, for type checkers; loaded lazily at run time
    from globalcrm import addresses as addresses
    from globalcrm import contact_points as contact_points
    from globalcrm import customers as customers
    from globalcrm import errors as errors
    from globalcrm import exchange_rates as exchange_rates
    from globalcrm import identifiers as identifiers
    from globalcrm import import_export as import_export
    from globalcrm import interactions as interactions
    from globalcrm import locale as locale
    from globalcrm import money as money
    from globalcrm import pagination as pagination
    from globalcrm import payments as payments
    from globalcrm import prices as prices
    from globalcrm import privacy as privacy
    from globalcrm import purchases as purchases
    from globalcrm import segments as segments
    from globalcrm.addresses import PostalAddress
    from globalcrm.contact_points import ContactHours, EmailAddress, MessagingHandle, PhoneNumber
    from globalcrm.crm import CRM, DuplicateMatch, open
    from globalcrm.customers import Customer
    from globalcrm.errors import (
        ConfigurationError,
        Conflict,
        DuplicateCustomer,
        GlobalCRMError,
        InvalidInput,
        InvalidRule,
        NotFound,
        PluginError,
        RuleViolation,
        StorageError,
    )
    from globalcrm.import_export import ImportReport, RowError
    from globalcrm.interactions import Interaction
    from globalcrm.locale.person_names import PersonName
    from globalcrm.pagination import Page
    from globalcrm.purchases import LineItem, Purchase

__version__ = "0.1.0"

_NAMES = {
    "CRM": "globalcrm.crm",
    "ConfigurationError": "globalcrm.errors",
    "Conflict": "globalcrm.errors",
    "ContactHours": "globalcrm.contact_points",
    "Customer": "globalcrm.customers",
    "DuplicateCustomer": "globalcrm.errors",
    "DuplicateMatch": "globalcrm.crm",
    "EmailAddress": "globalcrm.contact_points",
    "GlobalCRMError": "globalcrm.errors",
    "ImportReport": "globalcrm.import_export",
    "Interaction": "globalcrm.interactions",
    "InvalidInput": "globalcrm.errors",
    "InvalidRule": "globalcrm.errors",
    "LineItem": "globalcrm.purchases",
    "MessagingHandle": "globalcrm.contact_points",
    "NotFound": "globalcrm.errors",
    "Page": "globalcrm.pagination",
    "PersonName": "globalcrm.locale.person_names",
    "PhoneNumber": "globalcrm.contact_points",
    "PluginError": "globalcrm.errors",
    "PostalAddress": "globalcrm.addresses",
    "Purchase": "globalcrm.purchases",
    "RowError": "globalcrm.import_export",
    "RuleViolation": "globalcrm.errors",
    "StorageError": "globalcrm.errors",
    "open": "globalcrm.crm",
}
"""Each public name and the module it lives in."""

_SUBMODULES = frozenset({
    "addresses",
    "contact_points",
    "customers",
    "errors",
    "exchange_rates",
    "identifiers",
    "import_export",
    "interactions",
    "locale",
    "money",
    "pagination",
    "payments",
    "prices",
    "privacy",
    "purchases",
    "segments",
})

__all__ = [
    "CRM",
    "ConfigurationError",
    "Conflict",
    "ContactHours",
    "Customer",
    "DuplicateCustomer",
    "DuplicateMatch",
    "EmailAddress",
    "GlobalCRMError",
    "ImportReport",
    "Interaction",
    "InvalidInput",
    "InvalidRule",
    "LineItem",
    "MessagingHandle",
    "NotFound",
    "Page",
    "PersonName",
    "PhoneNumber",
    "PluginError",
    "PostalAddress",
    "Purchase",
    "RowError",
    "RuleViolation",
    "StorageError",
    "__version__",
    "open",
]


def __getattr__(name: str) -> Any:
    """Load a public name, or a subpackage, on first use (PEP 562)."""
    module = _NAMES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"globalcrm.{name}")
    else:
        raise AttributeError(f"module 'globalcrm' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMES, *_SUBMODULES})
