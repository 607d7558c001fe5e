"""Models of the campaign app: implementation plans, tasks, evidence and community pairing."""
