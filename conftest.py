"""Root conftest: kept thin. The beatpass plugin itself is registered through the ``pytest11``
entry point, exactly as users get it."""
