"""JSON API of the briefings app."""

from ninja import Router

router = Router(tags=["briefings"])
