"""Running a service's use cases from its HTTP API: each in one unit of work; a use case that
refuses raises one of the service's refusals, which is answered as a 4xx and writes nothing
(the unit of work rolls back as the exception leaves it)."""

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from fastapi import HTTPException

from ledgerline.db import UnitOfWork
from ledgerline.service import Runtime

P = ParamSpec("P")
T = TypeVar("T")


class UseCaseRunner:
    """`refusals` are the exceptions a use case refuses with; `answer` makes each the HTTP
    error the caller gets."""

    def __init__(
        self,
        refusals: tuple[type[Exception], ...],
        answer: Callable[[Exception], HTTPException],
    ) -> None:
        self.refusals = refusals
        self.answer = answer

    async def __call__(
        self,
        runtime: Runtime,
        use_case: Callable[Concatenate[UnitOfWork, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        try:
            async with runtime.unit_of_work() as uow:
                return await use_case(uow, *args, **kwargs)
        except self.refusals as exc:
            raise self.answer(exc) from exc
