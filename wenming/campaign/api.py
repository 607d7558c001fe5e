"""JSON API of the campaign app."""

from ninja import Router

router = Router(tags=["campaign"])
