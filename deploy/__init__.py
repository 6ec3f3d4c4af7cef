"""deploy/'s helpers as a package, so tests and benches import them by name (``from deploy._procs import
free_port``): ``_procs`` (processes, ports, health checks), ``_postgres`` (a PostgreSQL of its own) and
``_haproxy`` (its config and admin socket). ``deploy/cluster`` is the script that uses them; run as a
script, it finds them beside itself (Python puts a script's folder first on its path)."""
