"""B5 × E4: clients erased on request stay erased — now shared by every importer in
:mod:`lemnicore.importing.erasures`; kept here so existing imports keep working."""

from lemnicore.importing.erasures import ERASED_REASON, ErasedClients, respect_erasures

__all__ = ["ERASED_REASON", "ErasedClients", "respect_erasures"]
