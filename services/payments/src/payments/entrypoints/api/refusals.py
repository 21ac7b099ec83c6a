"""How a refusal of the service layer becomes the HTTP answer of the routes that run use cases."""

from fastapi import HTTPException, status
from ledgerline.use_cases import UseCaseRunner

from payments import service_layer
from payments.domain import InvalidBatch
from payments.domain.payment import (
    AlreadyPaid,
    NotApproved,
    NotASupplierInvoice,
    PaymentRefused,
)


def _refusal(exc: Exception) -> HTTPException:
    if isinstance(exc, service_layer.NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, service_layer.Conflict | AlreadyPaid | NotASupplierInvoice | NotApproved):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, InvalidBatch):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(exc.problems))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


REFUSALS = (service_layer.NotFound, service_layer.Conflict, PaymentRefused, InvalidBatch)
# Runs a use case of the service layer in one unit of work; a refusal is its HTTP answer.
run = UseCaseRunner(REFUSALS, _refusal)
