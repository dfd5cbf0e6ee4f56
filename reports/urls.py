from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("bao-cao/", views.report_list, name="report_list"),
    path("bao-cao/<int:pk>/", views.report_detail, name="report_detail"),
    path("bao-cao/<int:pk>/trang-thai/", views.report_status, name="report_status"),
    path("bao-cao/<int:pk>/tai/<str:ext>/", views.report_download, name="report_download"),
    path("bao-cao/<int:pk>/tao-lai/", views.report_retry, name="report_retry"),
]
