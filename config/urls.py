from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.shedding import sheddable
from config.views import health

urlpatterns = [
    path("", include("home.urls")),
    path("", include("members.urls")),
    path("", include("indicators.urls")),
    path("", include("reports.urls")),
    path("", include("programs.urls")),
    path("", include("imports.urls")),
    path("suc-khoe/", health, name="health"),
    path("dang-nhap/", sheddable(auth_views.LoginView.as_view()), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
]
