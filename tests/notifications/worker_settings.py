"""Settings of the Celery worker that test_worker.py starts as a subprocess: the project's
settings pointed at the test database and the test broker queue, with a short lease."""

import os

from wenming.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["WENMING_TEST_DB_NAME"]  # noqa: F405
CELERY_BROKER_URL = os.environ["WENMING_TEST_BROKER"]
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["WENMING_TEST_QUEUE"]
# Unacknowledged tasks of a killed worker come back quickly.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WENMING_NOTIFY_LEASE_SECONDS = 2
WENMING_BASE_URL = "https://wm.example.cn"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
