"""``manage.py create_api_token USERNAME NAME``: print a new API token's key (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from wenming.core.errors import ApplicationError
from wenming.org.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for, e.g. 12345 hotline bridge")

    def handle(self, *args, username, name, **options):
        try:
            _token, key = api_token_create(None, username=username, name=name)
        except ApplicationError as e:
            raise CommandError(e.message) from e
        self.stdout.write(key)
