"""``crm.customers``: add, change, find, page through, de-duplicate, import and export customers.

Each method is one transaction (or joins ``crm.transaction()``); a failed call leaves the store
exactly as it was.
"""

from __future__ import annotations

import builtins
import contextlib
import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.crm import customer_import, customer_merge, erasure
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import (
    MAX_EXTERNAL_ID,
    Customer,
    EmailAddress,
    PhoneNumber,
    external_key,
)
from globalcrm.errors import (
    Conflict,
    DuplicateCustomer,
    GlobalCRMError,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from globalcrm.identifiers import is_id
from globalcrm.import_export import ImportReport, customer_to_document, customer_to_row
from globalcrm.locale import (
    choose_name,
    closing,
    decide_formality,
    format_person_name,
    salutation,
)
from globalcrm.locale.folding import tokens
from globalcrm.locale.formality import T_V, Formality, parse_formality
from globalcrm.locale.name_formatting import Length, Usage
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor
from globalcrm.storage.repositories import CustomerRepository
from globalcrm.storage.unit_of_work import storage_errors

__all__ = ["Customers", "DuplicateMatch"]

ProgressCallback = Callable[[int], None]


@attrs.frozen
class DuplicateMatch:
    """A stored customer that is likely the same person, and why (``email``/``phone``/``name``)."""

    customer: Customer
    reasons: tuple[str, ...]
    score: float


class Customers:
    """The customers of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ----------------------------------------------------------------- writes

    def add(
        self, customer: Customer, *, now: object = None, on_duplicate: str = "allow"
    ) -> Customer:
        """Store a new customer; returns the stored copy with its timestamps and version set.

        The caller's object is left as it was. A customer whose id the tenant already has
        raises ``Conflict``; a customer of another tenant than this CRM's is refused; an
        external id another customer holds is a ``Conflict`` naming ``external_ids.<source>``.
        With ``on_duplicate="error"`` a customer sharing an e-mail address or a phone number
        with a stored one is refused as a :class:`~globalcrm.errors.DuplicateCustomer` that
        lists the stored ids (``likely_duplicates`` also weighs names; refusing on a similar
        name alone would turn away two different people called Jonas Petraitis).
        """
        on_duplicate = _checks.choice(
            on_duplicate, ("allow", "error"), field="on_duplicate", what="duplicate policy"
        )
        if not isinstance(customer, Customer):
            raise InvalidFormat(
                f"expected a Customer, got {type(customer).__name__}", field="customer"
            )
        stamp = self._context.now(now)
        if customer.tenant not in ("default", self._context.tenant):
            raise InvalidInput(
                "the customer belongs to another tenant than this CRM", field="tenant"
            )
        if customer.version:
            raise Conflict("a customer with this id is already stored", field="id")
        stored = attrs.evolve(
            customer,
            tenant=self._context.tenant,
            created_at=customer.created_at or stamp,
            updated_at=stamp,
        )
        with self._context.work() as uow:
            if uow.customers.exists(stored.id):
                raise Conflict("a customer with this id is already stored", field="id")
            erasure.check_not_suppressed(uow, self._context, stored)  # issue 16
            _check_external_ids(uow.customers, stored)
            if on_duplicate == "error":
                _refuse_duplicates(uow.customers, stored)
            uow.customers.add(stored)
            record_audit(uow, self._context, "customer.added", "customer", stored.id, stored.id, {})
            self._context.after_commit(uow, "globalcrm_customer_created", customer=stored)  # hook
        return stored

    def update(
        self,
        customer: Customer | str,
        *,
        expected_version: int,
        now: object = None,
        **changes: Any,
    ) -> Customer:
        """Change fields of a customer if nobody changed it since ``expected_version``.

        ``customer`` is a ``Customer`` or its id. Raises ``Conflict`` when the stored version
        differs (reload and retry), ``NotFound`` for an unknown id, and ``InvalidInput`` naming
        the field for a bad value or for a field that is not one of a customer's.
        """
        customer_id = customer_id_of(customer)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise InvalidFormat("expected the version number you read", field="expected_version")
        allowed = Customer.fields_changeable()
        known = {field.name for field in attrs.fields(Customer)}
        for index, field in enumerate(changes):
            if field not in known:
                raise _checks.unknown_key(field, index, what="customer field")
            if field not in allowed:
                raise InvalidComponent("this field cannot be changed", field=field)
        stamp = self._context.now(now)
        with self._context.work() as uow:
            current = uow.customers.get(customer_id, for_update=True)
            if current.version != expected_version:
                raise Conflict(
                    f"the customer is at version {current.version}, not {expected_version}; "
                    "reload it and try again",
                    field="expected_version",
                )
            candidate = attrs.evolve(current, **changes)  # validates every field
            for field in allowed:
                new = getattr(candidate, field)
                if field in changes or getattr(current, field) != new:
                    setattr(current, field, new)
            current.updated_at = stamp
            if "external_ids" in changes:
                _check_external_ids(uow.customers, current)
            if "emails" in changes or "phones" in changes:  # an erased address stays off
                erasure.check_not_suppressed(uow, self._context, current)
            with storage_errors():
                uow.customers.flush()
            uow.customers.refresh_keys(current)
            record_audit(
                uow,
                self._context,
                "customer.updated",
                "customer",
                current.id,
                current.id,
                {"fields": sorted(changes), "version": current.version},
            )
            uow.customers.detach(current)
            self._context.after_commit(  # hook
                uow, "globalcrm_customer_updated", customer=current, fields=tuple(sorted(changes))
            )
        return current

    def delete(
        self, customer: Customer | str, *, expected_version: int | None = None, now: object = None
    ) -> None:
        """Erase a customer (``crm.privacy.erase``), optionally only at ``expected_version``.

        Raises ``RuleViolation``, with nothing changed, while a legal hold applies.
        """
        customer_id = customer_id_of(customer)
        stamp = self._context.now(now)
        if expected_version is not None and (
            isinstance(expected_version, bool) or not isinstance(expected_version, int)
        ):
            raise InvalidFormat("expected the version number you read", field="expected_version")
        with self._context.work() as uow:
            current = uow.customers.get(customer_id, for_update=True)
            if expected_version is not None and current.version != expected_version:
                raise Conflict(
                    "the customer was changed since you read it", field="expected_version"
                )
            # delete IS erase (issue 16): a legal hold refuses it, with nothing changed
            uow.customers.detach(current)
            if erasure.erase(uow, self._context, current.id, now=stamp).status != "erased":
                raise RuleViolation(
                    "a legal hold applies: nothing was deleted (crm.privacy.erase restricts)",
                    field="customer",
                )
            record_audit(
                uow, self._context, "customer.deleted", "customer", current.id, current.id, {}
            )
            self._context.after_commit(  # hook
                uow, "globalcrm_customer_deleted", customer_id=current.id
            )

    def merge(
        self, keep: Customer | str, other: Customer | str, *, now: object = None
    ) -> Customer:
        """Merge ``other`` into ``keep`` (the same person recorded twice); the kept customer.

        In one transaction: ``keep`` takes the names, contact points, needs, tags, external ids
        and attributes it lacks from ``other``; the interactions, purchases, cases, payments,
        loyalty accounts and every other record of ``other`` become ``keep``'s; ``other``'s
        consent decisions are carried to ``keep`` where ``keep`` has none (the ledger records
        them, with where they came from) and its grants end; ``other``'s id then leads to
        ``keep`` (``get`` returns the kept customer) and an audit entry lists what moved.
        Where both are members of one loyalty program the two accounts become one: both
        ledgers, the higher tier. Records that cannot be combined (two ids from one source
        system) are a ``Conflict`` and nothing changes.
        """
        stamp = self._context.now(now)
        return customer_merge.merge(
            self._context,
            customer_id_of(keep, field="keep"),
            customer_id_of(other, field="other"),
            stamp,
        )

    # ----------------------------------------------------------------- reads

    def get(self, customer: Customer | str) -> Customer:
        """The stored customer with this id (or this customer as stored); ``NotFound`` if none."""
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            return uow.customers.get(customer_id)

    def count(self) -> int:
        """How many customers the tenant has."""
        with self._context.work(write=False) as uow:
            return uow.customers.count()

    def list(self, *, after: str | None = None, limit: int = 50) -> Page[Customer]:
        """Customers oldest first, a page at a time (keyset pagination on the sortable id)."""
        limit = check_limit(limit)
        last = None if after is None else decode_cursor(after, 1)[0]
        with self._context.work(write=False) as uow:
            items = uow.customers.page(after=last, limit=limit + 1)
        return _page(items, limit)

    def find_by_email(self, email: str) -> builtins.list[Customer]:
        """Customers with this email address (normalised and case-insensitive)."""
        key = EmailAddress(address=email).key
        with self._context.work(write=False) as uow:
            return uow.customers.get_many(uow.customers.ids_by_key("email", key))

    def find_by_phone(self, phone: str, *, region: str | None = None) -> builtins.list[Customer]:
        """Customers with this phone number; national input is read with ``region`` (a country)."""
        number = PhoneNumber.parse(phone, region=region).number
        with self._context.work(write=False) as uow:
            ids = set(uow.customers.ids_by_key("phone", number))
            return uow.customers.get_many(sorted(ids))

    def identify(self, text: str) -> builtins.list[Customer]:
        """The customers ``text`` names: an id, an e-mail, a phone number or ``source:id``.

        What a command line or a support desk takes as "the customer". A phone number in
        international form (``+370 612 34567``) is looked up as it is; one in national form
        (``8 612 34567``) as it reads in each country the tenant has customers in, so the
        answer may hold several customers: the caller decides (the command line lists their
        ids and stops).
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidFormat("expected an id, an e-mail address or a phone number",
                                field="customer")
        text = text.strip()
        if is_id(text):
            try:
                return [self.get(text.upper())]
            except NotFound:
                return []
        if "@" in text:
            try:
                return self.find_by_email(text)
            except GlobalCRMError:
                raise InvalidFormat("not a valid e-mail address", field="customer") from None
        source, colon, identifier = text.partition(":")
        if colon and _checks.is_code(source):
            try:
                return [self.find_by_external_id(source, identifier)]
            except NotFound:
                return []
        with self._context.work(write=False) as uow:
            numbers: set[str] = set()
            dialled = "+" + text[2:] if text.startswith("00") else text  # the ITU prefix
            regions = [None] if dialled.startswith("+") else uow.customers.countries()
            for region in regions:
                with contextlib.suppress(GlobalCRMError):
                    numbers.add(PhoneNumber.parse(dialled, region=region).number)
            if not numbers:
                raise InvalidFormat(
                    "not an id, an e-mail address, a phone number or source:id",
                    field="customer",
                )
            ids = {found for number in numbers for found in uow.customers.ids_by_key(
                "phone", number, limit=20)}
            return uow.customers.get_many(sorted(ids))

    def find_by_external_id(self, source: str, identifier: str) -> Customer:
        """The customer with ``identifier`` in the system ``source`` (``"shopify"``, ``"123"``).

        Raises ``NotFound`` when none has it (an external id belongs to one customer at most).
        """
        name = _checks.code(source, field="source")
        key = external_key(name, _checks.text(identifier, field="identifier",
                                              max_length=MAX_EXTERNAL_ID))
        with self._context.work(write=False) as uow:
            found = uow.customers.ids_by_key("external", key, limit=1)
            if not found:
                raise NotFound("no customer has this external id", field="identifier")
            return uow.customers.get(found[0])

    def search(self, query: str, *, after: str | None = None, limit: int = 20) -> Page[Customer]:
        """Customers whose names (any script, or their reading) start with every word of ``query``.

        Case, accents and variant forms do not matter: ``"petersons"`` finds ``Pētersons``,
        ``"やまだ"`` finds a customer whose reading is ``ヤマダ``, ``张伟`` finds ``張偉``. Names
        in other scripts are found by their Latin spelling too: ``"dilnoza"`` finds
        ``Дилноза``, ``"zhang wei"`` finds ``张伟``.
        """
        text = _checks.text(query, field="query", max_length=200)
        words = [word[:200] for word in tokens(text)]
        if not words:
            raise InvalidFormat("the query has no letters or digits", field="query")
        limit = check_limit(limit)
        last = None if after is None else decode_cursor(after, 1)[0]
        with self._context.work(write=False) as uow:
            items = uow.customers.search_name(words, after=last, limit=limit + 1)
        return _page(items, limit)

    def rebuild_search_keys(self, *, batch_size: int = 500) -> int:
        """Rewrite every customer's search keys with this version's folding; return the count.

        Run it once after an upgrade that changed how names are folded or spelled in Latin
        (``globalcrm reindex`` does): keys stored by an older version do not find what the new
        ones do. One transaction per page of ``batch_size`` customers, so it can be stopped and
        run again; customers themselves (and their versions) are not changed.
        """
        batch_size = check_limit(batch_size)
        after: str | None = None
        count = 0
        while True:
            with self._context.work() as uow:
                items = uow.customers.page(after=after, limit=batch_size)
                uow.customers.rebuild_keys(items)
            if not items:
                return count
            count += len(items)
            after = items[-1].id

    def likely_duplicates(self, customer: Customer | str) -> builtins.list[DuplicateMatch]:
        """Stored customers that are probably the same person, best first.

        A match shares an email or a phone, or has a name that folds to nearly the same text;
        the customer itself is left out.
        """
        subject = self._resolve(customer)
        reasons: dict[str, set[str]] = {}
        scores: dict[str, float] = {}
        own_key = subject.name_key()
        with self._context.work(write=False) as uow:
            for email in subject.emails:
                for found in uow.customers.ids_by_key("email", email.key, limit=100):
                    reasons.setdefault(found, set()).add("email")
            for phone in subject.phones:
                for found in uow.customers.ids_by_key("phone", phone.number, limit=100):
                    reasons.setdefault(found, set()).add("phone")
            name_candidates = _name_candidates(uow.customers, subject)
            candidates = uow.customers.get_many(sorted(set(reasons) | name_candidates))
        by_id = {person.id: person for person in candidates}
        for person in candidates:
            ratio = max(
                difflib.SequenceMatcher(None, own_key, other).ratio()
                for other in {person.name_key(), *(_key_of(n) for n in person.other_names)}
            )
            scores[person.id] = ratio
            if ratio >= 0.9:
                reasons.setdefault(person.id, set()).add("name")
        matches = [
            DuplicateMatch(by_id[cid], tuple(sorted(why)), round(len(why) + scores.get(cid, 0), 3))
            for cid, why in reasons.items()
            if cid != subject.id and cid in by_id
        ]
        return sorted(matches, key=lambda m: (-m.score, m.customer.id))

    # ----------------------------------------------------------------- addressing

    def display_name(
        self,
        customer: Customer | str,
        *,
        reader_locale: str | None = None,
        length: Length = "medium",
        usage: Usage = "referring",
        formality: Formality | str | None = None,
    ) -> str:
        """The customer's name as a reader of ``reader_locale`` should see it (CLDR person names).

        Of the customer's names in several scripts, the one the reader reads is chosen (Олена
        for a Ukrainian reader, Olena for an English one); the reader defaults to the customer.
        """
        person = self._resolve(customer)
        reader = _checks.language(reader_locale or person.language, field="reader_locale")
        name = choose_name(person.names, reader_locale=reader)
        chosen = None if formality is None else parse_formality(formality, levels=T_V)
        register = chosen or person.formality or Formality.FORMAL
        return format_person_name(
            name,
            locale=reader,
            length=length,
            usage=usage,
            formality=register,
        )

    def salutation_for(
        self,
        customer: Customer | str,
        *,
        channel: str = "email",
        formality: str | None = None,
        relationship: str | None = None,
    ) -> str:
        """The opening line for a message to the customer, in their language and register.

        The register (T-V) follows the customer's stated preference, then the ``relationship``,
        then the language's custom; the customer's stated gender is used only when they stated
        ``female`` or ``male``: otherwise the form is gender-neutral, never a guess.
        """
        person = self._resolve(customer)
        register = decide_formality(
            locale=person.language,
            preference=formality or person.formality,
            channel=channel,
            relationship=relationship,
        )
        name = choose_name(person.names, reader_locale=person.language)
        return salutation(
            locale=person.language,
            formality=register.value,
            channel=channel,
            gender=_ADDRESS_GENDERS.get(person.gender or ""),
            given=name.given,
            surname=name.surname,
            title=name.title,
        )

    def closing_for(
        self,
        customer: Customer | str,
        *,
        channel: str = "email",
        formality: str | None = None,
        relationship: str | None = None,
    ) -> str:
        """The closing formula for a message to the customer, in their language and register."""
        person = self._resolve(customer)
        register = decide_formality(
            locale=person.language,
            preference=formality or person.formality,
            channel=channel,
            relationship=relationship,
        )
        return closing(locale=person.language, formality=register.value, channel=channel)

    def _resolve(self, customer: Customer | str) -> Customer:
        if isinstance(customer, Customer):
            return customer
        return self.get(customer_id_of(customer))

    # ----------------------------------------------------------------- import / export

    def import_rows(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        atomic: bool = False,
        now: object = None,
        workers: int = 1,
        on_progress: ProgressCallback | None = None,
        match: str | None = None,
        on_match: str = "error",
    ) -> ImportReport:
        """Validate and store customers from flat rows (see ``globalcrm.import_export``).

        Every bad row is reported with its 1-based number, column and reason. By default the
        valid rows are stored, 2,000 to a transaction; with ``atomic=True`` nothing is stored
        unless every row is valid. ``workers=N`` checks rows in N processes (0: one per core)
        while this one writes; the report is the same, only faster on big files.

        ``match`` (``"id"``, ``"email"``, ``"phone"`` or ``"external_id"``) finds the stored
        customer a row is about, and the earlier row of the same file; ``on_match`` says what
        such a row does: ``"error"`` (a row error naming the match), ``"skip"`` (left out,
        counted in ``report.skipped``) or ``"update"`` (the fields the row gives replace the
        matched customer's, counted in ``report.updated``). A row matching two stored
        customers is always an error. Without ``match`` every row is a new customer.
        """
        return customer_import.import_rows(
            self._context, rows, atomic=atomic, now=now, workers=workers,
            on_progress=on_progress, match=match, on_match=on_match,
        )

    def export_rows(self, *, batch_size: int = 500) -> Iterator[dict[str, str]]:
        """Every customer of the tenant as a flat row (CSV), oldest first, a page at a time."""
        for customer in self._every(batch_size):
            yield customer_to_row(customer)

    def export_documents(self, *, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every customer of the tenant as a nested JSON document, oldest first."""
        for customer in self._every(batch_size):
            yield customer_to_document(customer)

    def _every(self, batch_size: int) -> Iterator[Customer]:
        batch_size = check_limit(batch_size)
        after: str | None = None
        while True:
            with self._context.work(write=False) as uow:
                items = uow.customers.page(after=after, limit=batch_size)
            if not items:
                return
            yield from items
            after = items[-1].id


_ADDRESS_GENDERS = {"female": "female", "male": "male", "non_binary": "nonbinary"}
"""Stated genders that select a form of address; any other gets the gender-neutral form."""


_CANDIDATES_PER_KEY = 100
_MAX_NAME_CANDIDATES = 400
_STEM = 4
"""Letters of a surname that fetch candidates with a typo further on (``petr`` of Petraitsi)."""


def _name_candidates(repository: CustomerRepository, subject: Customer) -> set[str]:
    """Ids of stored customers whose names may be a typo away from the subject's (bounded).

    Fetched, best lead first: the same given name and surname word; the same surname word; the
    same given name and a surname starting alike; a surname starting alike; the same given
    name. Each lookup takes at most
    ``_CANDIDATES_PER_KEY`` ids and all together at most ``_MAX_NAME_CANDIDATES``; the ratio
    of the folded names then decides.
    """
    name = subject.name
    surnames = tokens(name.surname or name.given or "")[:3]
    givens = tokens(name.given or "")[:3] if name.surname else []
    stems = sorted({word[:_STEM] for word in surnames if len(word) > _STEM})
    lookups: builtins.list[builtins.list[tuple[str, bool]]] = [
        *([(given, False), (word, False)] for given in givens for word in surnames),
        *([(word, False)] for word in surnames),
        *([(given, False), (stem, True)] for given in givens for stem in stems),
        *([(stem, True)] for stem in stems),
        *([(given, False)] for given in givens),
    ]
    found: set[str] = set()
    for keys in lookups:
        room = min(_CANDIDATES_PER_KEY, _MAX_NAME_CANDIDATES - len(found))
        if room <= 0:
            break
        found.update(repository.ids_by_all_keys("name", keys, limit=room))
    return found


def _key_of(name: Any) -> str:
    return " ".join(sorted(" ".join(tokens(name.full)).split()))


def _page(items: builtins.list[Customer], limit: int) -> Page[Customer]:
    if len(items) > limit:
        return Page(items[:limit], encode_cursor(items[limit - 1].id))
    return Page(items, None)


def _check_external_ids(repository: CustomerRepository, customer: Customer) -> None:
    """Refuse an external id that another customer of the tenant holds, naming its source."""
    for source, identifier in customer.external_ids.items():
        holders = repository.ids_by_key("external", external_key(source, identifier), limit=2)
        if any(holder != customer.id for holder in holders):
            raise Conflict(
                "another customer has this external id", field=f"external_ids.{source}"
            )


def _refuse_duplicates(repository: CustomerRepository, customer: Customer) -> None:
    """``on_duplicate="error"``: refuse a customer sharing an e-mail or phone with a stored one."""
    matches: dict[str, None] = {}
    field = None
    for index, email in enumerate(customer.emails):
        for found in repository.ids_by_key("email", email.key, limit=20):
            matches.setdefault(found, None)
            field = field or f"emails[{index}]"
    for index, phone in enumerate(customer.phones):
        for found in repository.ids_by_key("phone", phone.number, limit=20):
            matches.setdefault(found, None)
            field = field or f"phones[{index}]"
    matches.pop(customer.id, None)
    if matches:
        error = DuplicateCustomer(
            f"likely the same person as {len(matches)} stored customer(s): "
            f"{', '.join(matches)}",
            field=field,
        )
        error.matches = tuple(matches)
        raise error
