"""The dashboard pages: cash-flow overview, the invoice table (with CSV) and the monthly review.

Every figure comes from ``agent.services`` (``cashflow``, ``invoice_table``, ``reports_monthly``);
these routes only parse parameters and render. Any signed-in user may look: the figures are
the company's, not one owner's.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from agent.errors import InvalidDate, InvalidInput
from agent.money import normalise_currency
from agent.services.access import users
from agent.services.reporting import cashflow, invoice_table, reports_monthly
from agent.services.reporting.reports import AgingBucket
from agent.services.review import reviews
from api.dashboard import exports, views
from api.pages.common import PageRoute, Viewer, render, settings_of, transaction, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _as_of(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDate("as_of must be a date (YYYY-MM-DD)", field="as_of") from None


def _int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field} must be a number", field=field) from None


@router.get("/dashboard")
def dashboard_page(
    request: Request, as_of: str | None = None, currency: str | None = None
) -> Response:
    who = viewer(request)
    day = _as_of(as_of)
    with transaction(request) as session:
        board = cashflow.dashboard(
            session, as_of=day, settings=settings_of(request), actor=reviews.actor_for(who.user)
        )
    shown = views.shown_currency(board, currency)
    return render(
        request,
        "dashboard/dashboard.html",
        who,
        board=board,
        currency=shown,
        **views.chart_helpers(),
    )


@router.get("/dashboard/invoices")
def invoice_table_page(
    request: Request,
    as_of: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    client: str | None = None,
    currency: str | None = None,
    bucket: str | None = None,
    sort: str | None = None,
    order: str | None = None,
    group: str | None = None,
    format: str | None = None,
) -> Response:
    who = viewer(request)
    query = invoice_table.TableQuery(
        as_of=_as_of(as_of),
        sort=invoice_table.parse_choice(invoice_table.TableSort, sort, "sort")
        or invoice_table.TableSort.DUE_DATE,
        descending=order == "desc",
        status=invoice_table.parse_choice(invoice_table.TableStatus, status, "status"),
        owner_id=_int(owner, "owner"),
        client_id=_int(client, "client"),
        currency=normalise_currency(currency) if currency else None,
        bucket=invoice_table.parse_choice(AgingBucket, bucket, "bucket"),
        group=invoice_table.parse_choice(invoice_table.TableGroup, group, "group")
        or invoice_table.TableGroup.NONE,
    )
    if format in ("csv", "xlsx"):
        return exports.table_export(request, query, format, actor=reviews.actor_for(who.user))
    if format:
        raise InvalidInput("format must be csv or xlsx", field="format")
    with transaction(request) as session:
        table = invoice_table.build(session, query=query, actor=reviews.actor_for(who.user))
        owners = users.list_users(session)
        clients = invoice_table.client_choices(session)
    params = {key: value for key, value in request.query_params.items() if key != "format"}
    return render(
        request,
        "dashboard/invoices.html",
        who,
        table=table,
        params=params,
        owners=owners,
        clients=[{"id": cid, "name": name} for cid, name in clients],
        statuses=list(invoice_table.TableStatus),
        sorts=list(invoice_table.TableSort),
        csv_url="/dashboard/invoices?" + urlencode({**params, "format": "csv"}),
        xlsx_url="/dashboard/invoices?" + urlencode({**params, "format": "xlsx"}),
        **views.chart_helpers(),
    )


def _review(
    request: Request, who: Viewer, month: str | None, as_of: str | None
) -> reports_monthly.MonthlyReview:
    today = _as_of(as_of)
    # Without a month: the last complete one, not the one that has only just begun.
    last_complete = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first = reports_monthly.parse_month(month) if month else last_complete
    with transaction(request) as session:
        return reports_monthly.monthly_review(
            session,
            month=first,
            settings=settings_of(request),
            actor=reviews.actor_for(who.user),
            as_of=today,
        )


@router.get("/dashboard/monthly")
def monthly_page(request: Request, month: str | None = None, as_of: str | None = None) -> Response:
    who = viewer(request)
    review = _review(request, who, month, as_of)
    return render(request, "dashboard/monthly.html", who, review=review, **views.chart_helpers())


@router.get("/dashboard/monthly/{month}.html")
def monthly_file(request: Request, month: str, as_of: str | None = None) -> Response:
    who = viewer(request)
    review = _review(request, who, month, as_of)
    return Response(
        views.monthly_document(review),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="review-{review.month}.html"'},
    )
