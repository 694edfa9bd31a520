"""Setting a repo up: ``confsync init`` (the files), ``login`` and ``auth`` (the sign-in)."""
