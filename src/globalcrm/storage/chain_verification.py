"""Verifying both chains as stored: links, heads, checkpoints, and the projection in full.

The consent ledger is verified link by link (each row's hash over its own bytes, its columns
against them, the chain), its end against its head, optionally against a saved checkpoint, and
then **in full** against its projection: the ledger is replayed in arrival order, and every
entry's recorded ``after`` state and every projection row must equal the replay (the projection
row naming the newest entry of its key). The audit log is verified link by link, against its
head, and against a checkpoint's size, last hash and RFC 6962 root.
"""

from __future__ import annotations

from globalcrm.privacy.audit_log import Checkpoint, merkle_root
from globalcrm.privacy.chains import ChainHead, ChainReport, Link, first_bad_link
from globalcrm.privacy.ledger import LedgerEntry
from globalcrm.privacy.projection import ConsentStatus, Projection, StatusKey, status_key
from globalcrm.storage.audit_repository import AuditRepository
from globalcrm.storage.consent_repository import ConsentRepository

__all__ = ["verify_audit", "verify_consent"]


def _chain_problem(index: int, links: list[Link], head: ChainHead) -> str:
    if index < len(links) and not links[index].valid:
        return "the entry was altered or cannot be read"
    if index < len(links) and links[index].seq != index:
        return "an entry is missing or out of place"
    if index < len(links):
        return "the entry does not chain to the one before it (edited, deleted or moved)"
    if head.size > len(links):
        return "the newest entries were deleted"
    return "the chain ends before the checkpoint: its newest entries were deleted"


def verify_consent(
    repository: ConsentRepository, *, pinned: ChainHead | None = None
) -> ChainReport:
    """Verify the consent ledger, its head, a checkpoint (``pinned``) and the projection."""
    head = repository.hold()
    links: list[Link] = []
    entries: list[LedgerEntry] = []
    for link, entry in repository.links():
        links.append(link)
        if entry is not None:
            entries.append(entry)
    bad = first_bad_link(links, head=head, pinned=pinned)
    problem = None if bad is None else _chain_problem(bad, links, head)
    if bad is not None and bad == len(links) - 1 and links[bad].valid and head.size == len(links):
        problem = "the chain ends in another entry than its head or checkpoint says"
    replayed = _replay_problem(entries, repository)
    if replayed is not None and (bad is None or replayed[0] < bad):
        bad, problem = replayed
    return ChainReport("consent", len(links), bad, problem)


def _replay_problem(
    entries: list[LedgerEntry], repository: ConsentRepository
) -> tuple[int, str] | None:
    """The first entry whose recorded state, or projection row, is not the ledger's replay."""
    projections: dict[str, Projection] = {}
    newest: dict[tuple[str, StatusKey], int] = {}
    first: tuple[int, str] | None = None
    for entry in entries:
        event = entry.event
        seq = event.seq if event.seq is not None else -1
        state = projections.setdefault(event.subject_ref, Projection()).apply(event)
        newest[(event.subject_ref, status_key(event))] = seq
        if entry.after is not None and entry.after != state and first is None:
            first = (seq, "the state recorded after the entry is not the replay of the ledger")
    stored = repository.all_states()
    expected: dict[tuple[str, StatusKey], tuple[ConsentStatus, int]] = {
        (subject, key): (state, newest[(subject, key)])
        for subject, projection in projections.items()
        for key, state in projection.states.items()
    }
    for place in set(stored) | set(expected):
        found = stored.get(place)
        if found != expected.get(place):
            # the entry the row names (a deleted newest entry, say), else the key's newest
            seq = found[1] if found is not None else newest[place]
            if first is None or seq < first[0]:
                first = (seq, "the projection (consent_states) disagrees with the ledger")
    return first


def verify_audit(
    repository: AuditRepository,
    *,
    pinned: ChainHead | None = None,
    checkpoint: Checkpoint | None = None,
) -> ChainReport:
    """Verify the audit log, its head, and a checkpoint (size, last hash and Merkle root)."""
    head = repository.hold()
    links: list[Link] = []
    leaves: list[bytes | None] = []
    for link, leaf in repository.links():
        links.append(link)
        leaves.append(leaf)
    bad = first_bad_link(links, head=head, pinned=pinned)
    problem = None if bad is None else _chain_problem(bad, links, head)
    if bad is None and checkpoint is not None:
        if len(links) < checkpoint.tree_size:
            bad, problem = len(links), "the log ends before the checkpoint"
        else:
            known = [leaf for leaf in leaves[: checkpoint.tree_size] if leaf is not None]
            if merkle_root(known) != checkpoint.root_hash:
                bad = 0 if checkpoint.tree_size else None
                problem = "the history before the checkpoint was rewritten (Merkle root differs)"
    return ChainReport("audit", len(links), bad, problem)
