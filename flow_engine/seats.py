"""How an approval node's seats add up to its outcome, and which seats may open now."""
from __future__ import annotations

from .definitions import ApprovalNodeDef
from .state import NodeRun, Seat
from .thresholds import parse_threshold, vote_passes


def node_outcome(run: NodeRun, node: ApprovalNodeDef) -> str | None:
    """"approved", "rejected", or None while undecided.

    Added signers (加签) must approve whatever the mode. Otherwise: sequential and 会签 need every
    seat; 或签 has one seat; a vote passes at the threshold and fails once it can't reach it.
    """
    added = [s for s in run.seats if s.kind != "approver"]
    votes = [s for s in run.seats if s.kind == "approver"]
    if any(s.status == "rejected" for s in added):
        return "rejected"
    added_done = all(s.status == "approved" for s in added)
    if node.mode == "vote":
        threshold = parse_threshold(node.threshold or "1/1")
        yes = sum(s.status == "approved" for s in votes)
        undecided = sum(s.status in ("waiting", "open") for s in votes)
        if not vote_passes(yes + undecided, len(votes), threshold):
            return "rejected"
        return "approved" if added_done and vote_passes(yes, len(votes), threshold) else None
    if any(s.status == "rejected" for s in votes):
        return "rejected"
    return "approved" if added_done and all(s.status == "approved" for s in votes) else None


def openable(run: NodeRun, node: ApprovalNodeDef) -> list[Seat]:
    """Waiting seats nothing holds back: in sequence, every earlier seat; otherwise, signers added before."""
    out = []
    for i, seat in enumerate(run.seats):
        if seat.status != "waiting":
            continue
        blocked = any(s.status != "approved" and (node.mode == "sequential" or s.precedes == seat.no)
                      for s in run.seats[:i])
        if not blocked:
            out.append(seat)
    return out
