"""The collector and the suite's long-lived heap.

After collection the process holds what every test reads and none frees: the loaded spec and
its schemas, the imported modules, module-level strategies, the collected items (validators
and a session's strategies are built later, by the tests). Python's cyclic collector walks
all of it on each full collection, and the suite allocates fast (a drawn request, an answer,
its parsed body per example), so full collections come often: measured on the offline suite,
a quarter of its CPU time went to the collector. :func:`freeze` moves what is alive then out of
the collector's reach (``gc.freeze``, meant for such a heap); :func:`thaw` gives it back, so a
pytest run inside a process (``pytester``) leaves nothing frozen behind it.
"""

from __future__ import annotations

import gc


def freeze() -> bool:
    """Collect, then freeze every object alive now; False (and nothing done) when a freeze is
    already in place, an enclosing session's."""
    if gc.get_freeze_count():
        return False
    gc.collect()  # garbage is freed first, not frozen with the rest
    gc.freeze()
    return True


def thaw() -> None:
    """Hand the frozen objects back to the collector (:func:`freeze` undone)."""
    gc.unfreeze()
