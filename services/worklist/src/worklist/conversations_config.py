"""The conversations' settings are part of `WorklistSettings` (`worklist.config`); this name
stays for code that imports it from here."""

from worklist.config import ConversationSettings

__all__ = ["ConversationSettings"]
