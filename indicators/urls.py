from django.urls import path

from indicators import views

urlpatterns = [
    path("nhap-lieu/", views.entry_start, name="entry_start"),
    path("nhap-lieu/<int:pk>/<str:program>/<str:month>/", views.entry_form, name="entry_form"),
    path(
        "nhap-lieu/<int:pk>/<str:program>/<str:month>/nhap/",
        views.entry_draft,
        name="entry_draft",
    ),
]
