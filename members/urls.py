from django.urls import path

from members import views

urlpatterns = [
    path("", views.home, name="home"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit_detail"),
]
