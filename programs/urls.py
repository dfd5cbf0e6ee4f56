from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("hoat-dong/", views.activity_list, name="activity_list"),
    path("hoat-dong/them/", views.activity_add, name="activity_add"),
    path("hoat-dong/lich/", views.activity_calendar, name="activity_calendar"),
    path("hoat-dong/<int:pk>/", views.activity_edit, name="activity_edit"),
    path("hoat-dong/<int:pk>/xoa/", views.activity_delete, name="activity_delete"),
    path("hoat-dong/tep/<int:pk>/", views.attachment_download, name="attachment_download"),
]
