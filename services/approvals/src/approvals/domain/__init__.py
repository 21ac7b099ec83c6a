"""Pure domain code of the approvals service: rule semantics and deciding approvals."""
