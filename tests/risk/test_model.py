"""The pure risk package on small frame ledgers with known client behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk import artifacts, reasons, scoring, timing
from risk.features import FEATURES, build_features
from risk.ledger import Ledger, to_days
from risk.training import TooLittleHistory, TrainingOutcome, train_and_evaluate, training_frame
from tests.risk import synthetic


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return synthetic.frames(invoices=3000, clients=120, seed=5)


@pytest.fixture(scope="module")
def outcome(frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> TrainingOutcome:
    return train_and_evaluate(
        Ledger.from_frames(*frames),
        version="test",
        grace_days=0,
        min_rows=200,
        test_share=0.25,
        coverage=0.8,
    )


def test_features_never_use_payments_after_the_issue_date(frames) -> None:
    invoices, payments, events = frames
    full = Ledger.from_frames(invoices, payments, events)
    rng = np.random.default_rng(0)
    rows = rng.choice(np.arange(500, len(invoices)), size=6, replace=False)
    issue_days = full.invoices["issue_day"].to_numpy()[rows]
    with_all = build_features(full, rows=rows, as_of_days=issue_days)
    for i, row in enumerate(rows):
        known = payments[to_days(payments["payment_date"]) <= issue_days[i]]
        cut = Ledger.from_frames(invoices, known, events)
        alone = build_features(cut, rows=np.array([row]), as_of_days=issue_days[i : i + 1])
        pd.testing.assert_frame_equal(
            with_all.iloc[[i]][FEATURES].reset_index(drop=True), alone[FEATURES]
        )
    assert with_all["has_history"].sum() > 0


def test_history_counts_only_invoices_settled_before_the_day() -> None:
    day = np.datetime64("2025-01-01")
    invoices = pd.DataFrame(
        {
            "invoice_id": [1, 2, 3],
            "client_id": [9, 9, 9],
            "issue_date": [day, day + 10, day + 40],
            "due_date": [day + 30, day + 40, day + 70],
            "original_due_date": [day + 30, day + 40, day + 70],
            "currency": "EUR",
            "amount_minor": [1000, 2000, 3000],
            "lifecycle": "sent",
            "closed_date": pd.NaT,
        }
    )
    payments = pd.DataFrame(
        {
            "invoice_id": [1, 2],
            "payment_date": [day + 35, day + 60],  # 1 settled before 3's issue, 2 after
            "amount_minor": [1000, 2000],
        }
    )
    empty = pd.DataFrame({"invoice_id": [], "kind": [], "event_date": []})
    ledger = Ledger.from_frames(invoices, payments, empty)
    f = build_features(ledger, rows=np.array([2]), as_of_days=to_days(pd.Series([day + 40])))
    assert f["history_count"].iat[0] == 1
    assert f["hist_mean_days_late"].iat[0] == 5
    assert f["open_invoices"].iat[0] == 1
    assert f["open_balance_minor"].iat[0] == 2000


def test_model_beats_both_baselines_and_is_calibrated(outcome: TrainingOutcome) -> None:
    m = outcome.metrics
    assert m["auc"] > m["baseline_auc"] + 0.01
    assert m["auc"] > m["logistic_baseline_auc"] + 0.05
    assert m["mae_days"] < m["baseline_mae_days"]
    base_rate = m["late_share_test"]
    assert m["brier"] < base_rate * (1 - base_rate)
    gaps = [abs(b["predicted"] - b["observed"]) for b in m["calibration"]]
    assert np.mean(gaps) < 0.1
    assert max(gaps) < 0.2
    assert m["interval_coverage"] >= 0.75


def test_too_little_history_is_refused() -> None:
    ledger = synthetic.ledger(invoices=60, clients=5)
    with pytest.raises(TooLittleHistory, match="at least 200"):
        train_and_evaluate(
            ledger, version="x", grace_days=0, min_rows=200, test_share=0.25, coverage=0.8
        )


def test_artifact_reloads_and_reproduces_scores(outcome: TrainingOutcome, frames, tmp_path: Path):
    ledger = Ledger.from_frames(*frames)
    features, _ = training_frame(ledger, grace_days=0)
    path = artifacts.save(outcome.model, tmp_path)
    again = artifacts.load(path)
    np.testing.assert_allclose(again.predict_late(features), outcome.model.predict_late(features))
    assert artifacts.read_metadata(path)["rows_test"] == outcome.metrics["rows_test"]
    assert artifacts.read_metadata(path)["features"] == FEATURES


def _client_rows(frames, behaviour: str) -> tuple[np.ndarray, Ledger]:
    invoices = frames[0]
    ledger = Ledger.from_frames(*frames)
    rng = np.random.default_rng(5)
    kinds = rng.choice(synthetic.BEHAVIOURS, size=120)
    client = invoices["client_id"].to_numpy() - 1
    rows = np.flatnonzero(kinds[client] == behaviour)
    return rows[-20:], ledger


def test_reasons_name_the_client_history_for_a_habitual_late_payer(outcome, frames) -> None:
    rows, ledger = _client_rows(frames, "late")
    days = ledger.invoices["issue_day"].to_numpy()[rows]
    features = build_features(ledger, rows=rows, as_of_days=days)
    effects = reasons.effects(outcome.model, features)
    texts = reasons.top_reasons(features, effects)
    assert (effects["history"] > 0.05).mean() > 0.8
    assert sum(t[0].startswith("paid") and "late" in t[0] for t in texts) >= 16


def test_prior_is_used_without_a_model_and_says_so(frames) -> None:
    ledger = Ledger.from_frames(*frames)
    rows = np.array([0, len(ledger) - 1])
    days = ledger.invoices["issue_day"].to_numpy()[rows]
    features = build_features(ledger, rows=rows, as_of_days=days)
    scored = scoring.score(
        None,
        features,
        due_days=ledger.invoices["original_due_day"].to_numpy()[rows],
        as_of_days=days,
        grace_days=0,
        medium=0.3,
        high=0.6,
    )
    assert list(scored["model_version"]) == ["prior", "prior"]
    assert scored["reasons"].iat[0][0].startswith("no history: base rate for")
    assert all("prior estimate" in " ".join(r) for r in scored["reasons"])
    assert scored["reasons"].iat[1][0].startswith("paid")


def test_follow_up_is_earlier_and_closer_for_high_risk() -> None:
    from datetime import date

    due = date(2026, 3, 31)
    high = timing.plan(band="high", due_date=due, expected_payment_date=due, as_of=date(2026, 3, 1))
    low = timing.plan(band="low", due_date=due, expected_payment_date=due, as_of=date(2026, 3, 1))
    assert high.pre_due_reminder_date and low.pre_due_reminder_date
    assert high.next_follow_up_date and low.next_follow_up_date
    assert high.pre_due_reminder_date < low.pre_due_reminder_date
    assert high.next_follow_up_date < low.next_follow_up_date
    assert high.follow_up_days == (1, 5, 12) and low.follow_up_days == (5, 9, 16)
    late = timing.plan(
        band="high", due_date=due, expected_payment_date=due, as_of=date(2026, 4, 10)
    )
    assert late.pre_due_reminder_date is None
    assert late.next_follow_up_date >= date(2026, 4, 10)
