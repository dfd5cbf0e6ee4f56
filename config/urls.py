from django.contrib import admin
from django.urls import include, path

from config.views import favicon, health

urlpatterns = [
    path("", include("home.urls")),
    path("", include("members.urls")),
    path("", include("indicators.urls")),
    path("", include("reports.urls")),
    path("", include("programs.urls")),
    path("", include("imports.urls")),
    path("suc-khoe/", health, name="health"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("guide.urls")),
    path("", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
]
