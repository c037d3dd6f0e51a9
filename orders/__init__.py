"""Carts, orders split per cooperative, payments and the payout ledger.

Importing any module of the package registers all of its tables on the shared
metadata, so ``create_all`` and the migrations always see the whole schema, whichever
module an application happens to import first.
"""

from orders import models as _models  # noqa: F401
