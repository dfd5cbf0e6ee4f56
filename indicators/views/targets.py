"""The targets page: a unit's children x a program's indicators, for a period end
(/chi-tieu/<unit>/<program>/?het-ky=2025-12-31). The rules are in indicators.catalogue.targets."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import access
from accounts.http import AuthenticatedRequest
from indicators.catalogue import targets
from programs.models import Program


def _period_end_or_404(request: AuthenticatedRequest, program: Program) -> datetime.date:
    choices = targets.period_ends(program)
    text = request.GET.get("het-ky")
    if not text:
        return choices[-1]
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise Http404 from exc
    if day not in choices:
        raise Http404
    return day


def _render(
    request: AuthenticatedRequest, grid: targets.Grid, status: int = 200, **extra: object
) -> HttpResponse:
    context = {
        "grid": grid,
        "columns": list(zip(grid.indicators, grid.allocations(), strict=True)),
        "gaps": [targets.gap_message(a, grid.unit) for a in targets.target_gaps(grid)],
        "may_edit": access.can_set_targets(request.user, grid.unit),
        "period_ends": targets.period_ends(grid.program),
        "programs": Program.objects.order_by("code"),
        "splits": targets.Split,
        **extra,
    }
    return render(request, "indicators/targets.html", context, status=status)


@login_required
def targets_page(request: AuthenticatedRequest, pk: int, program: str) -> HttpResponse:
    unit = access.unit_or_404(request.user, pk)
    program_obj = get_object_or_404(Program, code=program)
    grid = targets.build_grid(unit, program_obj, _period_end_or_404(request, program_obj))
    if request.method != "POST":
        return _render(request, grid)
    if not access.can_set_targets(request.user, unit):
        raise PermissionDenied
    grid.typed(request.POST)
    if "preview" in request.POST:
        return _preview(request, grid, request.POST["preview"])
    return _save(request, grid)


def _preview(request: AuthenticatedRequest, grid: targets.Grid, choice: str) -> HttpResponse:
    """Fills one column with a helper's numbers and shows the page again; nothing is saved."""
    method, _sep, code = choice.partition(":")
    indicator = next((i for i in grid.indicators if i.code == code), None)
    if indicator is None or method not in targets.Split.values:
        raise Http404
    parent_target = grid.parent_targets.get(indicator.pk)
    if parent_target is None:
        message = _("%(unit)s chưa có chỉ tiêu %(code)s cho kỳ này: không có gì để chia.") % {
            "unit": grid.unit.name,
            "code": indicator.code,
        }
        return _render(request, grid, status=400, split_error=message)
    try:
        values = targets.suggest(method, indicator, parent_target, grid.children, grid.period_end)
    except targets.SplitError as exc:
        return _render(request, grid, status=400, split_error=str(exc))
    grid.fill(indicator, values)
    return _render(request, grid, previewed=indicator)


def _save(request: AuthenticatedRequest, grid: targets.Grid) -> HttpResponse:
    try:
        counts = targets.save_child_targets(user=request.user, grid=grid, data=request.POST)
    except targets.TargetError as exc:
        grid.problems = {(p.unit.pk, p.indicator.pk): p.message for p in exc.problems}
        return _render(request, grid, status=400, errors=[str(p) for p in exc.problems])
    messages.success(
        request,
        _("Đã lưu chỉ tiêu: thêm mới %(created)s, sửa %(updated)s, xóa %(deleted)s.")
        % {k: counts[k] for k in ("created", "updated", "deleted")},
    )
    return redirect(request.get_full_path())
