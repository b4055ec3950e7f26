"""Turning the reporting module's results into chart SVG and the standalone monthly document.

No figure is computed here: amounts, days and shares come from ``agent.services`` results;
this module only picks which of them a chart shows and how its labels read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from agent.money import format_plain
from agent.services.reporting import cashflow, reports_monthly
from agent.services.reporting.reports import AgingBucket, CurrencyAging
from api.dashboard import charts

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
STATIC_CSS = Path(__file__).parent.parent / "static" / "paytrack.css"
BUCKET_LABELS = {
    AgingBucket.NOT_YET_DUE: "Not yet due",
    AgingBucket.DAYS_1_30: "1–30",
    AgingBucket.DAYS_31_60: "31–60",
    AgingBucket.DAYS_61_90: "61–90",
    AgingBucket.DAYS_OVER_90: "90+",
}


def _money(currency: str) -> Callable[[float], str]:
    return lambda minor: format_plain(round(minor), currency)


def aging_chart(block: CurrencyAging) -> Markup:
    buckets = block.total.buckets
    return Markup(
        charts.bar_chart(
            f"Outstanding by days overdue ({block.currency})",
            [BUCKET_LABELS[b] for b in AgingBucket],
            [buckets[b].outstanding_minor for b in AgingBucket],
            fmt=_money(block.currency),
        )
    )


def cash_chart(flow: cashflow.CurrencyCashFlow) -> Markup:
    bars = [
        charts.CashBar(label=w.week_start.strftime("%d %b"), received=w.received_minor)
        for w in flow.past
    ] + [
        charts.CashBar(
            label=w.week_start.strftime("%d %b"),
            expected=w.expected_minor,
            low=w.low_minor,
            high=w.high_minor,
        )
        for w in flow.ahead
    ]
    return Markup(
        charts.cash_chart(
            f"Cash received (green) and expected with interval ({flow.currency})",
            bars,
            fmt=_money(flow.currency),
        )
    )


def trend_chart(trend: cashflow.CurrencyTrend) -> Markup:
    return Markup(
        charts.line_chart(
            f"Days to pay and DSO by month ({trend.currency})",
            [m.month[2:] for m in trend.months],
            {
                "average days to pay": [m.average_days_to_pay for m in trend.months],
                "DSO": [m.dso_days for m in trend.months],
            },
            fmt=lambda days: f"{days:.0f} d",
        )
    )


def reminder_chart(review: reports_monthly.MonthlyReview) -> Markup:
    return Markup(
        charts.bar_chart(
            "Share paid within 7 days after a reminder, by tone and milestone (%)",
            [f"{r.tone}/{r.milestone}" for r in review.reminders],
            [100 * (r.paid_share or 0) for r in review.reminders],
            fmt=lambda share: f"{share:.0f}%",
        )
    )


def shown_currency(board: cashflow.Dashboard, wanted: str | None) -> str | None:
    """The currency whose charts the page draws: the one asked for, else the most invoices open.

    Amounts in different currencies are never drawn on one axis; the summary table lists all.
    """
    codes = [k.currency for k in board.currencies]
    if wanted and wanted.upper() in codes:
        return wanted.upper()
    if not board.currencies:
        return None
    return max(board.currencies, key=lambda k: (k.open_count, k.outstanding_minor)).currency


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(default=True)
    )
    env.filters["money"] = lambda minor, currency: format_plain(int(minor), currency)
    return env


def calibration_chart(review: reports_monthly.MonthlyReview) -> Markup:
    """The deployed risk model's reliability diagram on its test split."""
    model = review.risk_model
    bins = [(b.predicted, b.observed, b.rows) for b in model.reliability] if model else []
    title = "Risk model reliability (test split)"
    if model is not None and model.ece is not None:
        title += f": expected calibration error {model.ece:.3f}"
    return Markup(charts.reliability_chart(title, bins))


def chart_helpers() -> dict[str, Any]:
    """What the dashboard templates call to draw; shared by the pages and the file."""
    return {
        "aging_chart": aging_chart,
        "cash_chart": cash_chart,
        "trend_chart": trend_chart,
        "reminder_chart": reminder_chart,
        "calibration_chart": calibration_chart,
        "bucket_labels": BUCKET_LABELS,
    }


def monthly_document(review: reports_monthly.MonthlyReview) -> str:
    """The monthly review as one self-contained HTML file: inline CSS, inline SVG, no links out."""
    template = _environment().get_template("dashboard/monthly_file.html")
    return template.render(
        review=review, inline_css=Markup(STATIC_CSS.read_text()), **chart_helpers()
    )
