"""The one ``MetaData``, the personal-data classes, and the helpers that classify a column."""

from __future__ import annotations

from sqlalchemy import MetaData

from globalcrm.customers import SEARCH_KEY_LENGTH

__all__ = [
    "KEY_LENGTH", "NOT_ABOUT_A_PERSON", "NOT_PERSONAL", "PII_CLASSES", "classified", "desk_config",
    "metadata", "pii",
]

PII_CLASSES = {
    "none": "not about a person (codes, flags, counters)",
    "identifier": "identifies a record or a person indirectly (ids, keys)",
    "name": "a person's name",
    "contact": "how to reach a person (email, phone, address, handle)",
    "demographic": "facts about a person (country, language, gender)",
    "preference": "what a person chose (channels, hours, formality)",
    "special_category": "may reveal religion or health (GDPR art. 9): dietary, accessibility",
    "content": "what a person or an agent wrote",
    "technical": "timestamps and versions",
}
"""The personal-data classes a column may carry, with what each means."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


KEY_LENGTH = SEARCH_KEY_LENGTH
"""The longest search key ``customer_keys.key`` holds (characters)."""




def pii(kind: str) -> dict[str, str]:
    """``Column.info`` with only the personal-data class (the registry completes it)."""
    return {"pii": kind}


def classified(
    kind: str, *, export: bool, erase: str, ground: str | None = None
) -> dict[str, object]:
    """``Column.info``: personal-data class, export, erasure action and ground for keeping."""
    info: dict[str, object] = {"pii": kind, "export": export, "erase": erase}
    if ground is not None:
        info["ground"] = ground
    return info


NOT_PERSONAL = "not about a customer: the desk's own configuration"
NOT_ABOUT_A_PERSON = "not about a person"


def desk_config(kind: str = "none") -> dict[str, object]:
    """A column of the service desk's own configuration: kept, not exported."""
    return classified(kind, export=False, erase="keep", ground=NOT_PERSONAL)
