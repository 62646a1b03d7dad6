"""The store on PostgreSQL: one line for each way a database can be wrong or go away, the
connection coming back, the schema refusing a newer pls, and `pls store copy` both ways."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from helpers import TRIAL_ABSTRACT, make_study, seed, trial_settings
from typer.testing import CliRunner

from pipeline.batch.queue import WorkQueue, retrying
from pipeline.cli import app
from pipeline.errors import StoreConnectionError, StoreError, StoreVersionError
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.copy import TABLES, copy_store, row_counts
from pipeline.store.migrations import MIGRATIONS


def one_line(error: BaseException, *needles: str) -> None:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    for needle in needles:
        assert needle in text, text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nobody listens


def test_a_refused_connection_is_one_line_without_the_password() -> None:
    url = f"postgresql://pls:hunter2@127.0.0.1:{closed_port()}/pls"
    with pytest.raises(StoreConnectionError) as caught:
        Store(url)
    one_line(caught.value, "PostgreSQL at 127.0.0.1", "cannot connect")
    assert "hunter2" not in str(caught.value)


def test_a_missing_database_says_so_and_how_to_make_it(postgres_cluster) -> None:
    with pytest.raises(StoreError) as caught:
        Store(postgres_cluster.url("no_such_db"))
    one_line(caught.value, "no database 'no_such_db'", "createdb no_such_db")


def test_a_malformed_url_is_one_line(postgres_cluster) -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql://pls:hunter2@127.0.0.1:notaport/pls")
    one_line(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_store_written_by_a_newer_pls_is_refused(postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    with Store(url) as store:
        store.db.execute("INSERT INTO schema_migrations VALUES (?)", (len(MIGRATIONS) + 5,))
    with pytest.raises(StoreVersionError) as caught:
        Store(url)
    one_line(caught.value, "newer pls", f"schema version {len(MIGRATIONS) + 5}")


def test_the_schema_is_migrated_once_by_workers_starting_together(postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    stores = [Store(url) for _ in range(3)]
    versions = stores[0].db.execute("SELECT version FROM schema_migrations").fetchall()
    assert sorted(v for (v,) in versions) == list(range(1, len(MIGRATIONS) + 1))
    for store in stores:
        store.close()


def kill_connection(cluster, store: Store) -> None:
    pid = store.db.execute("SELECT pg_backend_pid()").fetchone()[0]
    cluster.admin(f"SELECT pg_terminate_backend({pid})", "pls")


def test_a_connection_lost_between_transactions_comes_back(postgres_cluster) -> None:
    with Store(postgres_cluster.new_database()) as store:
        store.upsert_study(make_study(TRIAL_ABSTRACT, id="pmid-9"))
        kill_connection(postgres_cluster, store)
        assert store.state("pmid-9") == "queued"  # read again on a new connection
        queue = WorkQueue(store, "w1", 60)
        kill_connection(postgres_cluster, store)
        assert [c.study.id for c in queue.claim(1)] == ["pmid-9"]


def test_a_connection_lost_inside_a_transaction_is_retried_whole(postgres_cluster) -> None:
    with Store(postgres_cluster.new_database()) as store:
        attempts: list[int] = []

        def action() -> str:
            with store.transaction() as db:
                attempts.append(1)
                if len(attempts) == 1:
                    kill_connection(postgres_cluster, store)
                db.execute("SELECT COUNT(*) FROM studies").fetchone()
            return "done"

        assert retrying(store, action, waits=(0.01, 0.01)) == "done"
        assert len(attempts) == 2


def test_a_database_that_stays_away_ends_in_one_line(postgres_cluster) -> None:
    with Store(postgres_cluster.new_database()) as store:

        def action() -> None:
            with store.transaction() as db:
                kill_connection(postgres_cluster, store)
                db.execute("SELECT 1")

        with pytest.raises(StoreConnectionError) as caught:
            retrying(store, action, waits=(0.01,))
        one_line(caught.value, "lost the connection to the database")


def test_two_workers_on_two_connections_never_claim_one_study(postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    with Store(url) as first, Store(url) as second:
        for i in range(6):
            first.upsert_study(make_study(TRIAL_ABSTRACT, id=f"pmid-{i}", content_hash=f"h{i}"))
        a, b = WorkQueue(first, "a", 60), WorkQueue(second, "b", 60)
        with first.transaction() as db:  # a claim in progress holds two rows...
            db.execute("SELECT id FROM studies WHERE id IN ('pmid-0', 'pmid-1') FOR UPDATE")
            taken = b.claim(10)  # ...which the other worker passes over rather than waits for
        assert sorted(c.study.id for c in taken) == [f"pmid-{i}" for i in range(2, 6)]
        assert sorted(c.study.id for c in a.claim(10)) == ["pmid-0", "pmid-1"]
        assert b.claim(10) == [] and a.claim(10) == []  # everything is leased now


# -- pls store copy ---------------------------------------------------------------------------


def test_every_table_of_the_schema_is_copied(tmp_path: Path) -> None:
    Store(tmp_path / "s.db").close()
    db = sqlite3.connect(tmp_path / "s.db")
    names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names - {"schema_migrations", "sqlite_sequence"} == set(TABLES)


def filled(settings: Settings) -> str:
    study_id = seed(settings)
    with Store(settings.database) as store:
        with store.locked(study_id):
            store.add_review(study_id, 1, "approve", "ana", note="fine")
        store.add_profile_correction(study_id, 1, "ana", "why", {"a": 1}, {"a": 2}, "h")
    return study_id


def test_copy_sqlite_to_postgresql_and_back_keeps_ids_and_history(
    tmp_path: Path, postgres_cluster
) -> None:
    settings = trial_settings(tmp_path)
    study_id = filled(settings)
    url = postgres_cluster.new_database()
    with Store(settings.db_path) as source, Store(url) as target:
        copied = copy_store(source, target)
        assert copied == row_counts(source) == row_counts(target)
        assert target.events(study_id) == source.events(study_id)
        assert target.revisions(study_id) == source.revisions(study_id)
        # the next id continues after the copied ones
        target.set_state(study_id, "approved", actor="ana")
        ids = [e["id"] for e in target.events(study_id)]
        assert ids[-1] == max(ids[:-1]) + 1
    back = tmp_path / "back.sqlite3"
    with Store(url) as source, Store(back) as target:
        copy_store(source, target)
        assert target.reviews(study_id) == source.reviews(study_id)
        assert target.profile_corrections() == source.profile_corrections()
        assert target.queue() == source.queue()


def test_copy_refuses_a_target_that_holds_anything_unless_forced(
    tmp_path: Path, postgres_cluster
) -> None:
    settings = trial_settings(tmp_path)
    filled(settings)
    url = f"{postgres_cluster.new_database()}"
    runner = CliRunner()
    args = ["store", "copy", "--to", url, "--outputs", str(settings.outputs)]
    assert runner.invoke(app, args).exit_code == 0
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    with Store(url) as target, Store(settings.db_path) as source:
        assert row_counts(target) == row_counts(source)


def test_the_cli_on_an_unreachable_database_prints_one_line_without_the_password() -> None:
    url = f"postgresql://pls:hunter2@127.0.0.1:{closed_port()}/pls"
    result = CliRunner().invoke(app, ["review", "list", "--database-url", url])
    assert result.exit_code == 1
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert "cannot connect" in result.output
    wrong = CliRunner().invoke(app, ["review", "list", "--database-url", "mysql://u:pw@h/db"])
    assert wrong.exit_code == 1 and "must start with postgresql://" in wrong.output
