"""The event schemas check over the whole stream. ``zz_`` so a serial run collects it after
every other integration test (pytest sorts files and folders by name), and it reads their
traffic too; under pytest-xdist each worker has its own platform, so the check first makes
traffic of every kind it needs itself."""
