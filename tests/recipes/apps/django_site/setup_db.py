"""Create the database and the account the recipe's login journey uses, as a team
would with `manage.py migrate` and `createsuperuser`."""

import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.recipes.apps.django_site.settings")
django.setup()
call_command("migrate", verbosity=0, interactive=False)

from django.contrib.auth.models import User  # noqa: E402 - needs django.setup() first

User.objects.create_user(os.environ["RECIPE_USERNAME"], password=os.environ["RECIPE_PASSWORD"])
