from django.urls import include, path

from tests.recipes.apps.django_site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.SignupView.as_view(), name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("dashboard/", views.dashboard, name="dashboard"),
]
