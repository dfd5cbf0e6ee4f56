from django.urls import path

from indicators.views import dashboard, entry, review, targets

app_name = "indicators"

urlpatterns = [
    path("nhap-lieu/", entry.entry_start, name="entry_start"),
    path("nhap-lieu/<int:pk>/<str:program>/<str:month>/", entry.entry_form, name="entry_form"),
    path(
        "nhap-lieu/<int:pk>/<str:program>/<str:month>/nhap/",
        entry.entry_draft,
        name="entry_draft",
    ),
    path("theo-doi/", dashboard.dashboard_start, name="dashboard_start"),
    path("theo-doi/<int:pk>/<str:program>/", dashboard.dashboard_page, name="dashboard"),
    path("chi-tieu/<int:pk>/<str:program>/", targets.targets_page, name="targets"),
    path("duyet/", review.review_start, name="review_start"),
    path(
        "duyet/<int:pk>/<str:program>/<str:month>/",
        review.review_overview,
        name="review_overview",
    ),
]
