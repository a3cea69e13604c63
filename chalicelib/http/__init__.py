"""The API machinery every feature's routes use: route declarations (``routing``), the view
runner (``views``), the HTTP middleware (``pipeline``: size limit, authentication, logs,
metrics, the error envelope), request validation, the shared request and reply models
(``schemas``), the OpenAPI document and the platform routes (health, openapi.json).

Authentication and audit belong to the accounts feature; the app hands them to the
pipeline through ``hooks.configure``, so this package imports no feature."""
