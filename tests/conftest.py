"""Shared fixtures: a fixed cast of users and a small, real-shaped world.

The cast (healthchecks style): ``office`` (创城办), ``inspector``, ``handler`` (unit handler of
the sanitation unit), ``other_handler`` (handler of another unit), ``leader``, ``area_staff``
(古楼街道 staff), ``outsider`` (an account with no role).
"""
