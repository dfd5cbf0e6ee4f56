from django.urls import path

from indicators import dashboard_views, review_views, views, views_targets

urlpatterns = [
    path("nhap-lieu/", views.entry_start, name="entry_start"),
    path("nhap-lieu/<int:pk>/<str:program>/<str:month>/", views.entry_form, name="entry_form"),
    path(
        "nhap-lieu/<int:pk>/<str:program>/<str:month>/nhap/",
        views.entry_draft,
        name="entry_draft",
    ),
    path("theo-doi/", dashboard_views.dashboard_start, name="dashboard_start"),
    path("theo-doi/<int:pk>/<str:program>/", dashboard_views.dashboard_page, name="dashboard"),
    path("chi-tieu/<int:pk>/<str:program>/", views_targets.targets_page, name="targets"),
    path("duyet/", review_views.review_start, name="review_start"),
    path(
        "duyet/<int:pk>/<str:program>/<str:month>/",
        review_views.review_overview,
        name="review_overview",
    ),
]
