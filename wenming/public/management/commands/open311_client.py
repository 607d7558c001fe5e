"""``manage.py open311_client --name 12345热线 --user hotline [--source hotline] [--trusted]
[--by office]``: register an Open311 client and print its api_key (shown only once).

The client acts as ``--user`` (its scope and role decide what it may read and report);
``--by`` is the office account that authorises it (default: ``--user`` itself, which must
then be an office account). Calls :func:`wenming.public.services.open311_client_create`.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wenming.cases.models import Source
from wenming.core.errors import ApplicationError
from wenming.public.services import open311_client_create


class Command(BaseCommand):
    help = "Register an Open311 client and print its api_key once."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--user", required=True, help="username the client acts as")
        parser.add_argument("--source", default=Source.HOTLINE, choices=Source.values)
        parser.add_argument("--trusted", action="store_true", help="requests become cases at once")
        parser.add_argument("--by", help="office username authorising it (default: --user)")

    def handle(self, *args, **opts):
        users = get_user_model().objects
        acting = users.filter(username=opts["user"]).first()
        by = users.filter(username=opts["by"] or opts["user"]).first()
        if acting is None or by is None:
            raise CommandError("unknown user")
        try:
            client, key = open311_client_create(
                by,
                name=opts["name"],
                user_id=acting.pk,
                source=opts["source"],
                trusted=opts["trusted"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{client.name}: api_key={key}")
