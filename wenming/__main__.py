"""The ``wenming`` console script: a thin wrapper around ``manage.py``."""

import os
import sys


def main() -> None:
    """Run a Django management command, e.g. ``wenming load_reference``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
