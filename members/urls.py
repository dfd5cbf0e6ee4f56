from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("hoi-vien/", views.register, name="register"),
    path("hoi-vien/them/", views.member_add, name="member_add"),
    path("hoi-vien/xuat/", views.register_export, name="register_export"),
    path("hoi-vien/nhap/", views.register_import, name="register_import"),
    path("hoi-vien/so-lieu/", views.register_figures, name="register_figures"),
    path("hoi-vien/<int:pk>/", views.member_detail, name="member_detail"),
    path("hoi-vien/<int:pk>/tinh-trang/", views.member_status, name="member_status"),
    path("hoi-vien/<int:pk>/chuyen/", views.member_move, name="member_move"),
    path("hoi-vien/<int:pk>/an-danh/", views.member_anonymise, name="member_anonymise"),
]
