"""/theo-doi/: the target dashboard of a unit the user may see, its drill-down and export."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify

from accounts import access
from accounts.http import AuthenticatedRequest
from accounts.selectors import assignments_of
from common.dates import month_from_query
from indicators.figures import charts, dashboard, export
from indicators.figures.dashboard import Period
from indicators.selectors import program_indicators
from programs.selectors import all_programs, program_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def dashboard_start(request: AuthenticatedRequest) -> HttpResponse:
    """The user's own (highest) unit and a program running in the month just ended."""
    assignments = assignments_of(request.user)
    if not assignments:
        return redirect("home:home")
    month = dashboard.last_complete_month()
    program = program_for(None, month)
    if program is None:
        raise Http404
    return redirect("indicators:dashboard", pk=assignments[0].unit.pk, program=program.code)


def _month(request: AuthenticatedRequest) -> datetime.date:
    """?thang=11/2026 (or ISO 2026-11 from an old link); a bad value is said and ignored."""
    default = dashboard.last_complete_month()
    return month_from_query(request, "thang", default) or default


def _period(request: AuthenticatedRequest) -> str:
    period = request.GET.get("ky", Period.YEAR_TO_DATE)
    return period if period in Period.values else Period.YEAR_TO_DATE


@login_required
def dashboard_page(request: AuthenticatedRequest, pk: int, program: str) -> HttpResponse:
    unit = access.unit_or_404(request.user, pk)
    programs = list(all_programs())  # the picker's, and the one asked for among them
    program_obj = next((p for p in programs if p.code == program), None)
    if program_obj is None:
        raise Http404
    every = program_indicators(program_obj)
    indicators = dashboard.chosen_indicators(
        request.user, program_obj, request.GET.getlist("chi_tieu") or None, every
    )
    board = dashboard.build(unit, program_obj, indicators, _period(request), _month(request))
    if request.GET.get("xuat") == "xlsx":
        return _workbook(board)
    chart_code = request.GET.get("bieu_do") or (indicators[0].code if indicators else "")
    context = _context(request, board, chart_code)
    context.update(programs=programs, all_indicators=every)
    return render(request, "indicators/dashboard.html", context)


def _context(
    request: AuthenticatedRequest, board: dashboard.Dashboard, chart_code: str
) -> dict[str, object]:
    column = next((i for i, ind in enumerate(board.indicators) if ind.code == chart_code), 0)
    context: dict[str, object] = {
        "board": board,
        "periods": Period.choices,
        "chosen_codes": {i.code for i in board.indicators},
        "ancestors": access.visible_ancestors(request.user, board.unit),
        "month": _month(request),
        "query": request.GET.urlencode(),
    }
    if board.indicators:
        indicator = board.indicators[column]
        points, yearly = dashboard.trend(indicator, board.unit, board.start, board.end)
        periods = dashboard.period_totals(indicator, board.unit, board.start, board.end)
        context.update(
            chart_indicator=indicator,
            ranking_chart=charts.ranking_bars(board.ranking(column), indicator.name_vi),
            trend_chart=charts.trend_line(
                points, indicator.name_vi, yearly=yearly, period_totals=periods
            ),
            period_totals=sorted(periods.items()),
        )
    return context


def _workbook(board: dashboard.Dashboard) -> HttpResponse:
    response = HttpResponse(export.workbook(board), content_type=XLSX)
    code = board.unit.code or board.unit.pk
    name = slugify(f"theo-doi-{board.program.code}-{code}-{board.end:%Y-%m}")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
