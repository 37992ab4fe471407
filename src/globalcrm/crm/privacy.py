"""``crm.privacy``: purposes, notices, the consent ledger, double opt-in, audiences, audit log.

Every consent write is one transaction (:mod:`globalcrm.crm.consent_records`): the event is
checked against the rules, chained into the tenant's append-only ledger with its personal values
sealed under the customer's own key, the projection of its key brought up to date, and an audit
entry appended. ``can_contact`` answers from the ledger, with the reason, and refuses
(``StorageError``) when the ledger's end or the projection disagree with it; ``audience`` gives
the same decision for every customer as one SQL query that ignores projection rows the ledger
does not back. ``verify`` checks both chains and the projection (:mod:`globalcrm.crm.audit`).
After erasure only a withdrawal, refusal or objection is recorded for the customer, and an
address they unsubscribe goes on the suppression list (``record``, ``suppress``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from globalcrm import _checks
from globalcrm.crm import audit as _audit
from globalcrm.crm import consent_import as _consent_import
from globalcrm.crm import consent_records as _records
from globalcrm.crm import erasure as _erasure
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.audit import record_audit
from globalcrm.crm.consent_records import subject_of
from globalcrm.crm.privacy_requests import Requests, configured_breach_deadlines
from globalcrm.crm.retention import Retention
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, NotFound, RuleViolation
from globalcrm.identifiers import check_id
from globalcrm.import_export import ImportReport
from globalcrm.privacy import export_files as _export_files
from globalcrm.privacy import opt_in, receipts, rules
from globalcrm.privacy.audit_log import AuditEntry, Checkpoint, merkle_root
from globalcrm.privacy.chains import ChainHead, StoreCheckpoint, StoreVerification
from globalcrm.privacy.deadlines import BreachDeadline
from globalcrm.privacy.erasure import ErasureReport
from globalcrm.privacy.events import GRANTS, ConsentEvent
from globalcrm.privacy.evidence import ERASED, open_evidence
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.purposes import Purpose
from globalcrm.privacy.rules import Decision, Subject
from globalcrm.storage import consent_bulk, consent_sql, personal_data
from globalcrm.storage.chain_verification import verify_audit, verify_consent
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["Privacy", "record_audit", "subject_of"]


# issue 16: export and erasure
def _erased_or_customer(uow: UnitOfWork, context: Context, customer: Customer | str) -> str:
    """The id of a stored customer, or of an erased one (their ledger stays readable)."""
    subject = customer_id_of(customer)
    if not uow.customers.exists(subject) and (
        _erasure.repository(uow, context).tombstone(subject) is None
    ):
        raise NotFound("no such customer", field="customer")
    return subject


def _erased(uow: UnitOfWork, context: Context, customer: Customer | str) -> bool:
    """Whether ``customer`` was erased (a tombstone, and no customer row any more)."""
    subject = customer_id_of(customer)
    return not uow.customers.exists(subject) and (
        _erasure.repository(uow, context).tombstone(subject) is not None
    )



def _has_anything(uow: UnitOfWork, context: Context, subject: str) -> bool:
    """Whether anything of ``subject`` is left to erase (a restored row, a live key)."""
    live = uow.subject_keys.live(subject, provider=context.key_provider, create=False)
    return uow.customers.exists(subject) or live is not None


class Privacy:
    """Consent and audit for one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context
        # data-subject requests (issue 16)
        self.requests = Requests(context)
        """Data-subject requests: open, verify, pause, resume, extend, complete, reject, lists."""

    # ------------------------------------------------------------------ purposes and notices

    def add_purpose(self, purpose: Purpose, *, activate: bool = True) -> Purpose:
        """Store a purpose version (activated by default: from then on it cannot change)."""
        if not isinstance(purpose, Purpose):
            raise InvalidFormat("expected a Purpose", field="purpose")
        _checks.flag(activate, field="activate")
        if activate and purpose.status == "draft":
            purpose.activate()
        with self._context.work() as uow:
            uow.purposes.add(purpose)
            self._audit(
                uow,
                "purpose.added",
                "purpose",
                f"{purpose.key}@{purpose.version}",
                None,
                {"status": purpose.status},
            )
        return purpose

    def retire_purpose(self, key: str, version: int) -> Purpose:
        """Retire a purpose version: no new consents to it; withdrawals are still recorded."""
        with self._context.work() as uow:
            purpose = uow.purposes.get(_checks.text(key, field="key", max_length=64), version)
            purpose.retire()
            uow.purposes.set_status(purpose)
            self._audit(
                uow, "purpose.retired", "purpose", f"{purpose.key}@{purpose.version}", None, {}
            )
        return purpose

    def purpose(self, key: str, version: int | None = None) -> Purpose:
        """A stored purpose version, or the newest active one."""
        with self._context.work(write=False) as uow:
            return uow.purposes.get(_checks.text(key, field="key", max_length=64), version)

    def add_notice(self, notice: NoticeVersion) -> NoticeVersion:
        """Store a published notice version (``globalcrm.privacy.publish_notice`` makes one)."""
        if not isinstance(notice, NoticeVersion):
            raise InvalidFormat("expected a NoticeVersion", field="notice")
        with self._context.work() as uow:
            uow.notices.add(notice)
            self._audit(
                uow,
                "notice.published",
                "notice",
                notice.id,
                None,
                {"sha256": notice.content_sha256, "language": notice.language},
            )
        return notice

    # ------------------------------------------------------------------ the ledger

    def record(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        channel: str,
        state: str,
        now: object = None,
        occurred_at: object = None,
        purpose_version: int | None = None,
        notice_id: str | None = None,
        evidence: Mapping[str, Any] | None = None,
        **details: Any,
    ) -> ConsentEvent:
        """Record one consent event for a customer and return it as stored.

        ``details`` are the other ``ConsentEvent`` fields (``consent_type``, ``actor_kind``,
        ``contact_point_ref``, ``collection_method``, ``idempotency_key``, ``valid_until``,
        ``confirmed_at``, ``age_assurance``, ``guardian_verification``...). ``evidence`` (a JSON
        object: the form submitted, the IP, a TC string) and the personal values among the
        details are sealed under the customer's own key. A retried call with the same
        ``idempotency_key`` returns the event first recorded under it (the same on SQLite and
        PostgreSQL, however many processes retry at once); other facts under a key already used
        are a ``Conflict``.

        For an **erased** customer only an ending is accepted (a withdrawal, refusal, objection:
        a grant is a ``RuleViolation``), and nothing personal is kept about them: the event is
        stored without evidence and without the personal details, and a ``contact_point_ref``
        given as an e-mail address or an international phone number goes on the suppression
        list instead (a keyed digest), so a later add or import of it is flagged.
        """
        stamp = self._context.now(now)
        with self._context.work() as uow:
            if _erased(uow, self._context, customer):  # issue 16, privacy.md scenario 32
                _erasure.suppress_keys(
                    uow, self._context, _erasure.text_keys(details.get("contact_point_ref")),
                    now=stamp,
                )
                return _records.record_after_erasure(
                    uow,
                    self._context,
                    customer_id_of(customer),
                    purpose=purpose,
                    channel=channel,
                    state=state,
                    now=stamp,
                    occurred_at=occurred_at,
                    purpose_version=purpose_version,
                    notice_id=notice_id,
                    details=details,
                )
            return _records.record(
                uow,
                self._context,
                self._subject(uow, customer),
                purpose=purpose,
                channel=channel,
                state=state,
                now=stamp,
                occurred_at=occurred_at,
                purpose_version=purpose_version,
                notice_id=notice_id,
                evidence=evidence,
                details=details,
            )

    def history(self, customer: Customer | str) -> list[ConsentEvent]:
        """A customer's consent events in ledger order, personal values in clear.

        Raises:
            StorageError: an event's row was altered (moved to this customer, edited ...).
        """
        with self._context.work(write=False) as uow:
            subject = _erased_or_customer(uow, self._context, customer)
            events = uow.consent.events(subject_ref=subject)
            return sorted(_records.opened(uow, self._context, events), key=ConsentEvent.sort_key)

    def evidence(self, event_id: str) -> Any:
        """The evidence recorded with an event, decrypted; ``"erased"`` once its key is gone.

        ``None`` when the event carries no evidence.
        """
        with self._context.work(write=False) as uow:
            event = uow.consent.event(_checks.text(event_id, field="event_id", max_length=64))
            if event.evidence is None:
                return None
            key = uow.subject_keys.by_id(event.evidence.key_id, provider=self._context.key_provider)
        if key is None:
            return ERASED
        return open_evidence(event.evidence, key, aad=event.event_id)

    def can_contact(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        channel: str,
        at: object = None,
        contact_point_ref: str | None = None,
    ) -> Decision:
        """May we contact the customer for ``purpose`` on ``channel`` at ``at``, and why.

        The decision carries the reason, the deciding event (``event_id``) and the rule that
        applied (``rule``). It is taken from the ledger, which must end where its head says and
        agree with the projection for this customer.

        Raises:
            StorageError: the ledger or the projection was altered (run ``verify``).
        """
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            person = self._customer(uow, customer)
            chosen = uow.purposes.get(_checks.text(purpose, field="purpose", max_length=64))
            uow.consent.hold()
            events = uow.consent.events(subject_ref=person.id, purpose_key=chosen.key)
            uow.consent.check_subject(person.id, chosen.key, events)
            if contact_point_ref is not None:  # contact points are sealed: compare in clear
                events = _records.opened(uow, self._context, events)
        return rules.can_contact(
            events,
            chosen,
            channel,
            moment,
            contact_point_ref=contact_point_ref,
            subject=subject_of(person),
        )

    def audience(self, *, purpose: str, channel: str, at: object = None) -> list[str]:
        """Ids of every customer ``can_contact`` allows for ``purpose`` on ``channel``: one query.

        The same rules as :meth:`can_contact` at the channel level, evaluated in SQL over the
        ledger's projection, for bulk sends and audiences; a projection row counts only if the
        ledger entry it names agrees with it and is its key's newest (checked in the same
        query). It answers for the ledger as recorded (events dated after ``at`` are not
        expected); purposes that sell or share data also check each minor's age in Python.
        """
        moment = self._context.now(at, field="at")
        name = _checks.text(channel, field="channel", max_length=64)
        with self._context.work(write=False) as uow:
            chosen = uow.purposes.get(_checks.text(purpose, field="purpose", max_length=64))
            assert uow.session is not None  # noqa: S101
            ids = consent_sql.audience(uow.session, self._context.tenant, chosen, name, moment)
            if chosen.sells_or_shares and not chosen.requires_consent:
                people = uow.customers.get_many(ids)
                ids = [
                    p.id for p in people if not rules.minor_sale(chosen, subject_of(p), moment)
                ]
        return ids

    # ------------------------------------------------------------------ double opt-in

    def request_double_opt_in(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        channel: str,
        now: object = None,
        ttl: dt.timedelta = dt.timedelta(hours=48),
        contact_point_ref: str | None = None,
    ) -> str:
        """Issue a single-use confirmation token (only its hash is stored); send it in a link.

        A newer request supersedes the older pending token.
        """
        stamp = self._context.now(now)
        with self._context.work() as uow:
            person = self._customer(uow, customer)
            chosen = uow.purposes.get(_checks.text(purpose, field="purpose", max_length=64))
            challenges = uow.opt_in_tokens.find(subject_ref=person.id)
            challenge, token = opt_in.issue_token(
                challenges,
                "confirm",
                subject_ref=person.id,
                purpose_key=chosen.key,
                channel=channel,
                now=stamp,
                ttl=ttl,
                contact_point_ref=contact_point_ref,
            )
            uow.opt_in_tokens.save(challenges)
            self._audit(
                uow,
                "token.issued",
                "opt_in_token",
                challenge.id,
                person.id,
                {"purpose": chosen.key, "channel": challenge.channel},
            )
        return token

    def confirm_double_opt_in(self, token: str, *, now: object = None) -> ConsentEvent:
        """Redeem a confirmation token and record the confirmed grant (``confirmed_at`` set).

        A used, superseded, expired or stale token (the customer withdrew after it was sent) is
        a ``RuleViolation``; an unknown one is ``NotFound``.
        """
        stamp = self._context.now(now)
        plain = _checks.text(token, field="token", max_length=500)
        with self._context.work() as uow:
            found = uow.opt_in_tokens.find(token_sha256=opt_in.token_hash(plain))
            if not found:
                raise NotFound("no such token", field="token")
            challenge = found[0]
            uow.consent.lock()  # no other consent write until this one is recorded
            events = uow.consent.events(
                subject_ref=challenge.subject_ref, purpose_key=challenge.purpose_key
            )
            opt_in.redeem_token(found, plain, now=stamp, events=events)
            uow.opt_in_tokens.save(found)
            asked = [
                e
                for e in sorted(events, key=ConsentEvent.sort_key)
                if e.channel == challenge.channel and e.state in GRANTS
            ]
            if not asked:
                raise RuleViolation("nothing to confirm: no consent was given", field="token")
            original = asked[-1]
            self._audit(
                uow,
                "token.redeemed",
                "opt_in_token",
                challenge.id,
                challenge.subject_ref,
                {"status": challenge.status},
            )
            return _records.record(
                uow,
                self._context,
                uow.customers.get(challenge.subject_ref),
                purpose=challenge.purpose_key,
                channel=challenge.channel,
                state="given",
                now=stamp,
                occurred_at=None,
                purpose_version=original.purpose_version,
                notice_id=original.notice_version_id,
                evidence=None,
                details={
                    "confirmed_at": stamp,
                    "collection_method": "doi_confirmation",
                    "contact_point_ref": challenge.contact_point_ref,
                    "doi_challenge_id": challenge.id,
                    "consent_type": original.consent_type,
                    "age_assurance": original.age_assurance,
                },
            )

    # ------------------------------------------------------------------ receipts

    def receipt(
        self,
        customer: Customer | str,
        *,
        controller: receipts.PiiController,
        jurisdiction: str,
        policy_url: str,
        service: str,
        pii_categories: Mapping[str, Sequence[str]],
        at: object = None,
    ) -> dict[str, Any]:
        """A Kantara Consent Receipt 1.1 (JSON) of the customer's grants in force at ``at``."""
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            person = self._customer(uow, customer)
            events = _records.opened(
                uow, self._context, uow.consent.events(subject_ref=person.id)
            )
            wanted = {(e.purpose_key, e.purpose_version) for e in events}
            purposes = [uow.purposes.get(key, version) for key, version in sorted(wanted)]
        made = receipts.kantara_receipt(
            events,
            purposes,
            controller=controller,
            principal_id=person.id,
            jurisdiction=jurisdiction,
            policy_url=policy_url,
            service=service,
            pii_categories=pii_categories,
            at=moment,
            language=person.language,
        )
        return receipts.to_kantara(made)

    # ------------------------------------------------------------------ keys

    def rewrap_keys(self) -> int:
        """Wrap every subject key under the current KEK (legacy clear keys, rotated KEKs).

        Returns how many keys were (re)wrapped; the old KEK must still be available to the
        key provider while this runs.
        """
        with self._context.work() as uow:
            count = uow.subject_keys.rewrap(self._context.key_provider)
            self._audit(uow, "keys.rewrapped", "subject_key", "*", None, {"count": count})
        return count

    # ------------------------------------------------------------------ verification

    def verify(self, *, checkpoint: StoreCheckpoint | None = None) -> StoreVerification:
        """Verify the consent ledger (and its projection, in full) and the audit log.

        Each chain is checked link by link and against its head (which catches the newest
        entries deleted); with ``checkpoint`` (saved earlier with :meth:`store_checkpoint`,
        kept outside the database) also against it, which catches a tail deleted together with
        its head, or a rewritten history.
        """
        return _audit.verify(self._context, saved=checkpoint)

    def store_checkpoint(self) -> StoreCheckpoint:
        """Pin both chains as they are now; keep the result (``to_json()``) outside the database.

        Raises:
            StorageError: a chain does not verify (a checkpoint must not pin tampering).
        """
        return _audit.checkpoint(self._context)

    def verify_ledger(self, *, checkpoint: ChainHead | None = None) -> int | None:
        """The position of the first tampered, missing or reordered ledger event, or ``None``.

        Includes the ledger's end against its head and the projection against the ledger (a
        projection that disagrees is reported at the newest entry of the key concerned).
        """
        if checkpoint is not None and not isinstance(checkpoint, ChainHead):
            raise InvalidFormat("expected a ChainHead", field="checkpoint")
        with self._context.work(write=False) as uow:
            return verify_consent(uow.consent, pinned=checkpoint).first_bad

    def audit_entries(self) -> list[AuditEntry]:
        """The tenant's audit log, in order.

        Raises:
            StorageError: a row cannot be read as an entry (the message names its ``seq``).
        """
        with self._context.work(write=False) as uow:
            return uow.audit.entries()

    def checkpoint(self) -> Checkpoint:
        """The audit log's current size and RFC 6962 root: publish it elsewhere to pin history."""
        entries = self.audit_entries()
        return Checkpoint(len(entries), merkle_root([e.canonical_bytes() for e in entries]))

    def verify_audit(self, *, checkpoint: Checkpoint | None = None) -> int | None:
        """The position of the first tampered audit entry, or ``None`` if the chain verifies.

        Edited, deleted and swapped rows break the chain, and deleting the newest rows shows
        against the chain's head; a tail deleted with its head, or a rewritten history, is
        caught against a ``checkpoint`` taken earlier.
        """
        if checkpoint is not None and not isinstance(checkpoint, Checkpoint):
            raise InvalidFormat("expected a Checkpoint", field="checkpoint")
        with self._context.work(write=False) as uow:
            return verify_audit(uow.audit, checkpoint=checkpoint).first_bad

    # ------------------------------------------------------------------ export and erasure
    # (issue 16: generated from the personal-data registry, see globalcrm.crm.erasure)

    @property
    def retention(self) -> Retention:
        """Retention policies, legal holds and the sweep (``crm.privacy.retention``)."""
        return Retention(self._context)

    def export(self, customer: Customer | str, *, now: object = None) -> dict[str, Any]:
        """Everything stored about a customer, as one JSON document (GDPR art. 15 and 20).

        Every table's rows of the customer, with the columns the registry marks for export
        (others' data, such as the staff on an interaction, are left out and listed under
        ``redacted``); ``customer`` is the customer's document as ``customers.import_rows``
        reads it; ``consent_history`` the consent events in clear, evidence decrypted.
        """
        subject = customer_id_of(customer)
        stamp = self._context.now(now)
        with self._context.work(write=False) as uow:
            return _erasure.export(uow, self._context, subject, now=stamp)

    def export_zip(self, customer: Customer | str, *, now: object = None) -> bytes:
        """The export as a ZIP: ``export.json``, ``customer.csv`` (re-imports), a CSV per table."""
        return _export_files.to_zip(self.export(customer, now=now))

    def erase(
        self, customer: Customer | str, *, now: object = None, request: str | None = None
    ) -> ErasureReport:
        """Erase a customer as the registry says, in one transaction; a legal hold restricts.

        Afterwards nothing personal of theirs is left in any table but what a law keeps (listed
        in the report with its ground), sealed values are unreadable (their key is destroyed),
        every consent is ended by a ledger event, both chains verify, and their e-mail
        addresses and phone numbers are on the suppression list. Erasing again changes nothing
        (``repeated``). ``request`` names the data-subject request it answers.
        """
        subject = customer_id_of(customer)
        stamp = self._context.now(now)
        ref = None if request is None else _checks.text(request, field="request", max_length=200)
        with self._context.work() as uow:
            return _erasure.erase(uow, self._context, subject, now=stamp, request_ref=ref)

    def erase_many(
        self,
        customers: Sequence[Customer | str],
        *,
        now: object = None,
        request: str | None = None,
    ) -> list[ErasureReport]:
        """Erase many customers in one transaction: each as :meth:`erase` would, set-based.

        Returns one report per position. The work is done a batch of 500 at a time with a few
        statements per table (one lock of the ledger, consents ended and audited in bulk, keys
        destroyed and rows changed with ``IN`` lists), and leaves the store as erasing them one
        by one in this order would; the retention sweep erases through it. A customer named
        twice is erased once (the later position reports ``repeated``); a legal hold restricts
        that customer only.

        Raises:
            NotFound: the tenant has nothing about one of them; ``field`` names its position
                (``customers[3]``) and nothing is changed.
        """
        if isinstance(customers, str | bytes) or not isinstance(customers, Sequence):
            raise InvalidFormat("expected a list of customers or customer ids", field="customers")
        subjects = [
            customer_id_of(customer, field=f"customers[{index}]")
            for index, customer in enumerate(customers)
        ]
        stamp = self._context.now(now)
        ref = None if request is None else _checks.text(request, field="request", max_length=200)
        if not subjects:
            return []
        with self._context.work() as uow:
            return _erasure.erase_many(uow, self._context, subjects, now=stamp, request_ref=ref)

    def erasures(self) -> list[ErasureReport]:
        """The erasure log (tombstones, no personal values): keep a copy outside the database."""
        with self._context.work(write=False) as uow:
            return _erasure.repository(uow, self._context).tombstones()

    def replay_erasures(
        self, log: Sequence[ErasureReport] | None = None, *, now: object = None
    ) -> list[str]:
        """Erase again, after a restore from backup, every subject of the erasure log.

        ``log`` is a copy of :meth:`erasures` kept outside the database (a restored database
        holds only the tombstones it had); without it the stored tombstones are replayed.
        Returns the ids erased again. One transaction for the whole replay.
        """
        stamp = self._context.now(now)
        if log is not None and not isinstance(log, list | tuple):
            raise InvalidFormat("expected a list of ErasureReport", field="log")
        with self._context.work() as uow:
            store = _erasure.repository(uow, self._context)
            wanted = store.tombstones() if log is None else list(log)
            again = []
            for entry in wanted:
                if not isinstance(entry, ErasureReport):
                    raise InvalidFormat("expected ErasureReport entries", field="log")
                if entry.status != "erased":
                    continue
                if _has_anything(uow, self._context, entry.subject_ref):
                    _erasure.erase(
                        uow, self._context, entry.subject_ref, now=stamp,
                        request_ref=entry.request_ref,
                    )
                    again.append(entry.subject_ref)
                elif store.tombstone(entry.subject_ref) is None:
                    store.save_tombstone(entry)
        return again

    def suppress(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        region: str | None = None,
        now: object = None,
    ) -> int:
        """Put an e-mail address or a phone number on the do-not-contact list; how many were new.

        For an unsubscribe or a withdrawal that names only an address whose customer is no
        longer stored (erased): the list keeps a keyed digest, never the address, and a later
        ``crm.customers.add`` or import of it is flagged. ``region`` reads a national phone
        number. An address a stored customer holds is refused (``RuleViolation``): record
        their withdrawal with :meth:`record`.
        """
        stamp = self._context.now(now)
        with self._context.work() as uow:
            return _erasure.suppress_contact(
                uow, self._context, email=email, phone=phone, region=region, now=stamp
            )

    def scan(self, values: Sequence[str]) -> list[tuple[str, str]]:
        """Every (table, column) still holding one of ``values`` or its case forms, as stored.

        To check an erasure: pass the erased names, addresses, numbers and texts; an empty list
        means none is left in any text, JSON or binary column of any table.
        """
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise InvalidFormat("expected a list of strings", field="values")
        checked = [
            _checks.text(value, field=f"values[{index}]", max_length=10_000)
            for index, value in enumerate(values)
        ]
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            return personal_data.scan(uow.session.connection(), checked)
    # ------------------------------------------------------------------ breach clocks (issue 16)

    def breach_deadlines(
        self,
        aware_at: dt.datetime,
        *,
        regimes: Sequence[str],
        unlawful_purpose: bool = False,
    ) -> list[BreachDeadline]:
        """When each regime wants the authority told of a breach, soonest first.

        Hours run in UTC from ``aware_at`` (72 hours across a change of summer time are 72
        hours); business and calendar days are counted in the configured calendars (the
        regime's own, else the controller's: ``requests.set_calendar``). Regimes that set no
        count ("without undue delay") are left out.
        """
        return configured_breach_deadlines(
            self._context, aware_at, regimes=regimes, unlawful_purpose=unlawful_purpose
        )

    # ------------------------------------------------------ bulk consent history (issue 16)

    def import_events(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        atomic: bool = False,
        on_progress: Callable[[int], None] | None = None,
        now: object = None,
        batch_size: int = _consent_import.BATCH_SIZE,
    ) -> ImportReport:
        """Load a consent history: many events in time order, checked and chained as ``record``.

        Rows are described in :mod:`globalcrm.privacy.consent_rows`. Every bad row is reported
        with its 1-based number, column and reason; the good ones are stored in time order,
        ``batch_size`` (20,000) to a transaction, or with ``atomic=True`` all in one and only if
        every row is good. ``report.ids`` are the events' ids in ledger order. ``on_progress``
        is called with the number of rows done.
        """
        return _consent_import.import_events(
            self._context, rows, atomic=atomic, now=now, on_progress=on_progress,
            batch_size=batch_size,
        )

    # ------------------------------------------------------------------ helpers

    def _subject(self, uow: UnitOfWork, customer: Customer | str) -> Subject:
        """What the consent rules need of a stored customer, without loading all of them."""
        customer_id = customer_id_of(customer)
        assert uow.session is not None  # noqa: S101
        found = consent_bulk.subjects(uow.session, self._context.tenant, [customer_id])
        if customer_id not in found:
            raise NotFound("no such customer", field="customer")
        return found[customer_id]

    def _customer(self, uow: UnitOfWork, customer: Customer | str) -> Customer:
        if isinstance(customer, Customer):
            return uow.customers.get(customer.id)
        return uow.customers.get(check_id(customer, field="customer"))

    def _audit(
        self,
        uow: UnitOfWork,
        action: str,
        entity_type: str,
        entity_ref: str,
        subject_ref: str | None,
        payload: dict[str, Any],
    ) -> None:
        record_audit(uow, self._context, action, entity_type, entity_ref, subject_ref, payload)
