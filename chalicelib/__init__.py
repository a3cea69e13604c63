"""PenguinMails application library: settings, wiring, API, domain rules and adapters."""
