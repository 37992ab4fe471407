"""globalcrm: the customer side of a business that sells in many countries, as a library."""

from globalcrm.crm import CRM, DuplicateMatch, open
from globalcrm.customers import (
    ContactHours,
    Customer,
    EmailAddress,
    MessagingHandle,
    PersonName,
    PhoneNumber,
    PostalAddress,
)
from globalcrm.errors import (
    ConfigurationError,
    Conflict,
    GlobalCRMError,
    InvalidInput,
    NotFound,
    PluginError,
    RuleViolation,
    StorageError,
)
from globalcrm.import_export import ImportReport, RowError
from globalcrm.interactions import Interaction
from globalcrm.pagination import Page

__version__ = "0.1.0"

__all__ = [
    "CRM",
    "ConfigurationError",
    "Conflict",
    "ContactHours",
    "Customer",
    "DuplicateMatch",
    "EmailAddress",
    "GlobalCRMError",
    "ImportReport",
    "Interaction",
    "InvalidInput",
    "MessagingHandle",
    "NotFound",
    "Page",
    "PersonName",
    "PhoneNumber",
    "PluginError",
    "PostalAddress",
    "RowError",
    "RuleViolation",
    "StorageError",
    "__version__",
    "open",
]
