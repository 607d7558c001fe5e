"""JSON API of the assessment app."""

from ninja import Router

router = Router(tags=["assessment"])
