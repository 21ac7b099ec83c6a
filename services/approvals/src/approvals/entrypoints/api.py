"""Approvals API: invoice and payment approval rules, the invoice process switch, approvals to
decide (one or in bulk), my pending approvals, and the audit trail (JSON or CSV).

The routes live per area (rules, decisions, audit), their bodies in `schemas`, who may call
what in `access`.
"""

from fastapi import APIRouter

from approvals.entrypoints import audit, decisions, rules

router = APIRouter()
router.include_router(rules.router)
router.include_router(decisions.router)
router.include_router(audit.router)
