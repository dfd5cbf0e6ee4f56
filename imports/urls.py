from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("nhap-du-lieu/", views.import_list, name="import_list"),
    path("nhap-du-lieu/<int:pk>/", views.import_detail, name="import_detail"),
    path("nhap-du-lieu/<int:pk>/trang-thai/", views.import_status, name="import_status"),
    path("nhap-du-lieu/<int:pk>/ghi/", views.import_commit, name="import_commit"),
    path("nhap-du-lieu/<int:pk>/tep/", views.import_file, name="import_file"),
    path("nhap-du-lieu/<int:pk>/chay-lai/", views.import_retry, name="import_retry"),
]
