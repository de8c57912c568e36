"""D2: the branch-code filter compares case-insensitively and refuses a code that names
no branch — a typo must not silently stop all messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lemnicore.cli import main
from lemnicore.errors import ValidationError
from lemnicore.notifications.planner import SkipReason, check_branch_codes
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.service import NotificationService
from lemnicore.scheduling.practice import Branch
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice

from .scene import Scene, at


def test_d2_lower_case_hh1_keeps_the_hamburg_branch() -> None:
    """D2 (issue example): ``--branches hh1`` must not skip every HH1 appointment."""
    scene = Scene(NotificationPolicy(quiet_hours=None, branch_codes="hh1"))
    hamburg = scene.appointment(at(2026, 5, 5, 9), scene.client("A"), room_id="room-1")
    berlin = scene.appointment(at(2026, 5, 5, 9), scene.client("B"), room_id="room-2")
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.messages_for(hamburg.id)
    assert plan.skips_for(berlin.id)[0].reason is SkipReason.OUTSIDE_BRANCH_FILTER


def test_d2_an_unknown_code_is_refused_naming_it() -> None:
    branches = [Branch("b-1", "org-1", "HH1", "Hamburg"), Branch("b-2", "org-1", "B1", "Berlin")]
    with pytest.raises(ValidationError) as refused:
        check_branch_codes(frozenset({"hh1", "HH9"}), branches)
    assert refused.value.field == "branch_codes"
    assert "HH9" in str(refused.value)
    assert "hh1" not in refused.value.reason.split(":")[0]
    check_branch_codes(frozenset({"hh1", "b1"}), branches)  # known, in any case


def test_d2_the_service_refuses_to_run_with_an_unknown_code() -> None:
    practice = Practice(now=datetime(2026, 5, 4, 8, tzinfo=UTC))
    service = NotificationService(
        practice.store, practice.clock, policy=NotificationPolicy(branch_codes="HH1,XX7")
    )
    with pytest.raises(ValidationError, match="XX7"):
        service.run(dry_run=True)
    with pytest.raises(ValidationError, match="xx7"):
        service.save_policy(NotificationPolicy(branch_codes="xx7"))


def test_d2_notify_run_branches_filters_case_insensitively_and_refuses_typos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org")
    practice.appointment(anna, room, practice.at(2026, 5, 20, 15), client_id=eva)
    store.close()
    url = f"sqlite:///{path}"
    base = ["notify", "run", "--store", url, "--dry-run", "--now", "2026-05-04T16:00"]

    assert main([*base, "--branches", "hh1"]) == 0
    assert "would send: confirmation via email to eva@example.org" in capsys.readouterr().out

    assert main([*base, "--branches", "hh1,HX1"]) != 0
    captured = capsys.readouterr()
    assert "HX1" in captured.err + captured.out
    assert "would send" not in captured.out

    assert main(["notify", "policy", "--store", url, "--branches", "HX1"]) != 0
    captured = capsys.readouterr()
    assert "HX1" in captured.err + captured.out
