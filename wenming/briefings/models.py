"""Models of the briefings app: work information and the numbered work briefing."""
