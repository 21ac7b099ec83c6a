"""Approvals API: invoice and payment approval rules, the invoice process switch, approvals to
decide (one or in bulk), my pending approvals, and the audit trail (JSON or CSV).

The routes live per area (rules, decisions, audit), their bodies in `schemas`, who may call
what in `access`. The service mounts each area's router itself (not one router including the
others) so that tools reading `definition().routers` see every route and its dossier scope.
"""

from fastapi import APIRouter

from approvals.entrypoints import audit, decisions, directory, rules

ROUTERS: tuple[APIRouter, ...] = (
    rules.router,
    decisions.router,
    audit.router,
    directory.router,
)
