"""Wenming (文明): the platform of a city's civilized-city campaign office."""

from .celery import app as celery_app

__all__ = ["celery_app"]
