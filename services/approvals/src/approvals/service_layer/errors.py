"""What a use case refuses with (the API maps each to its status: `entrypoints.access`)."""


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


class Invalid(ValueError):
    pass
