"""Accounts against a real database (SQLite and PostgreSQL): argon2 hashes, roles, disabling,
password changes, sessions that expire, and sign-in limits that survive a restart."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher

from gis.errors import InputError
from zoning.bureau.accounts import Accounts, role_at_least
from zoning.bureau.db import Database
from zoning.bureau.settings import BureauSettings


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings() -> BureauSettings:
    return BureauSettings(session_idle_s=600.0, session_max_s=3600.0, free_tries=4, client_free_tries=20,
                          delay_s=2.0, max_delay_s=60.0)  # fmt: skip


#: argon2id with less memory and one pass: the same code path at a fraction of the product's cost
#: (its defaults take ~0.4 s a hash on the shared test machine); the defaults are checked below.
FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@pytest.fixture
def accounts(db: Database, settings: BureauSettings, clock: Clock) -> Accounts:
    return Accounts(db, settings, clock=clock, hasher=FAST)


def test_the_product_hashes_with_argon2id_at_64_mib_and_3_passes(db: Database) -> None:
    accounts = Accounts(db)
    accounts.add("wang", role="reviewer", password="correct horse 1")
    with db.read() as tx:
        (digest,) = tx.one("SELECT password_hash FROM accounts WHERE name = 'wang'")
    assert digest.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_passwords_are_kept_only_as_salted_argon2_hashes(accounts: Accounts, db: Database) -> None:
    accounts.add("wang", role="reviewer", password="correct horse 1")
    accounts.add("li", role="reviewer", password="correct horse 1")
    with db.read() as tx:
        hashes = dict(tx.query("SELECT name, password_hash FROM accounts"))
    assert all(h.startswith("$argon2id$") and "correct horse" not in h for h in hashes.values())
    assert hashes["wang"] != hashes["li"]  # salted: the same password, two hashes
    assert "argon2" not in repr(accounts.get("wang")) and not hasattr(accounts.get("wang"), "password_hash")


def test_sign_in_with_a_generated_password_and_roles(accounts: Accounts) -> None:
    generated = accounts.add("zhao", role="admin")
    assert generated and len(generated) >= 16
    ok = accounts.sign_in("zhao", generated, client="10.0.0.5")
    assert ok.ok and ok.session.role == "admin" and ok.session.account == "zhao"
    assert accounts.session(ok.session.token).role == "admin"
    assert not accounts.sign_in("zhao", generated + "x").ok
    assert role_at_least("admin", "reviewer") and role_at_least("reviewer", "reviewer")
    assert not role_at_least("reviewer", "admin") and not role_at_least(None, "reviewer")


def test_bad_names_roles_passwords_and_duplicates_are_refused(accounts: Accounts) -> None:
    accounts.add("wang", role="reviewer", password="12345678")
    for kwargs, words in (
        ({"name": "wang", "role": "reviewer", "password": "abcdefgh"}, "exists already"),
        ({"name": "a b", "role": "reviewer", "password": "abcdefgh"}, "not valid"),
        ({"name": "sun", "role": "boss", "password": "abcdefgh"}, "not known"),
        ({"name": "sun", "role": "reviewer", "password": "short"}, "too short"),
    ):
        name = kwargs.pop("name")
        with pytest.raises(InputError, match=words) as err:
            accounts.add(name, **kwargs)
        assert err.value.zh


def test_disabling_ends_sessions_and_refuses_sign_in(accounts: Accounts) -> None:
    accounts.add("admin", role="admin", password="admin-pass-1")
    accounts.add("wang", role="reviewer", password="wang-pass-1")
    session = accounts.sign_in("wang", "wang-pass-1").session
    accounts.set_disabled("wang")
    assert accounts.session(session.token) is None
    refused = accounts.sign_in("wang", "wang-pass-1")
    assert not refused.ok and refused.reason == "disabled"
    accounts.set_disabled("wang", False)
    assert accounts.sign_in("wang", "wang-pass-1").ok
    with pytest.raises(InputError, match="last admin"):
        accounts.set_disabled("admin")
    with pytest.raises(InputError, match="last admin"):
        accounts.set_role("admin", "reviewer")


def test_a_new_password_ends_the_old_sessions(accounts: Accounts) -> None:
    accounts.add("wang", role="reviewer", password="old-password")
    session = accounts.sign_in("wang", "old-password").session
    new = accounts.set_password("wang")
    assert accounts.session(session.token) is None
    assert not accounts.sign_in("wang", "old-password").ok
    assert accounts.sign_in("wang", new).ok


def test_sessions_expire_when_idle_and_in_any_case(accounts: Accounts, clock: Clock) -> None:
    accounts.add("wang", role="reviewer", password="wang-pass-1")
    token = accounts.sign_in("wang", "wang-pass-1").session.token
    clock.advance(599)
    assert accounts.session(token) is not None  # used: idle time starts again
    clock.advance(599)
    assert accounts.session(token) is not None
    clock.advance(601)
    assert accounts.session(token) is None  # idle 601 s > 600 s
    token = accounts.sign_in("wang", "wang-pass-1").session.token
    for _ in range(6):
        clock.advance(590)
        assert accounts.session(token) is not None
    clock.advance(590)  # 7 x 590 s > 3600 s since sign-in, though never idle
    assert accounts.session(token) is None
    assert accounts.session("not-a-token") is None and accounts.session(None) is None


def test_the_fifth_wrong_password_in_a_row_waits_and_the_wait_doubles(accounts: Accounts, clock: Clock) -> None:
    accounts.add("wang", role="reviewer", password="wang-pass-1")
    for _ in range(3):
        attempt = accounts.sign_in("wang", "wrong", client="10.0.0.5")
        assert attempt.reason == "wrong" and attempt.wait_s == 0
    fourth = accounts.sign_in("wang", "wrong", client="10.0.0.5")
    assert fourth.reason == "wrong" and fourth.wait_s == pytest.approx(2.0)
    fifth = accounts.sign_in("wang", "wang-pass-1", client="10.0.0.5")  # even the right one is not heard yet
    assert fifth.reason == "wait" and fifth.wait_s == pytest.approx(2.0)
    clock.advance(2.0)
    assert accounts.sign_in("wang", "wrong", client="10.0.0.5").wait_s == pytest.approx(4.0)
    clock.advance(4.0)
    assert accounts.sign_in("wang", "wrong", client="10.0.0.5").wait_s == pytest.approx(8.0)
    clock.advance(8.0)
    assert accounts.sign_in("wang", "wang-pass-1", client="10.0.0.5").ok
    assert accounts.failures("wang") == 0


def test_the_wait_survives_a_restart(db_url: str, settings: BureauSettings, clock: Clock) -> None:
    first = Accounts(Database.open(db_url), settings, clock=clock, hasher=FAST)
    first.add("wang", role="reviewer", password="wang-pass-1")
    for _ in range(4):
        first.sign_in("wang", "wrong", client="10.0.0.5")
    again = Accounts(Database.open(db_url), settings, clock=clock, hasher=FAST)  # a new process on the same database
    refused = again.sign_in("wang", "wang-pass-1", client="10.0.0.9")  # another client: the account still waits
    assert refused.reason == "wait" and refused.wait_s == pytest.approx(2.0)


def test_a_client_guessing_many_names_is_slowed_down(accounts: Accounts) -> None:
    for i in range(20):
        assert accounts.sign_in(f"user{i}", "guess", client="10.9.9.9").reason == "wrong"
    blocked = accounts.sign_in("another", "guess", client="10.9.9.9")
    assert blocked.reason == "wait" and blocked.wait_s > 0
    assert accounts.sign_in("another", "guess", client="10.1.1.1").reason == "wrong"  # other clients are not


def test_two_tries_at_once_after_the_allowance_cannot_both_be_checked(accounts: Accounts, clock: Clock) -> None:
    accounts.add("wang", role="reviewer", password="wang-pass-1")
    for _ in range(4):
        accounts.sign_in("wang", "wrong")
    clock.advance(2.0)
    outcomes = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        outcomes.append(accounts.sign_in("wang", "wrong").reason)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["wait", "wrong"]


def test_the_first_admin_is_made_once(accounts: Accounts) -> None:
    password = accounts.ensure_first_admin()
    assert password and accounts.sign_in("admin", password).session.role == "admin"
    assert accounts.ensure_first_admin() is None
    assert [a.name for a in accounts.all()] == ["admin"]
