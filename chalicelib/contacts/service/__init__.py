"""The contacts use cases: contacts themselves (``contacts``), lists and custom fields
(``lists``), the person's export and erasure (``privacy``) and the ``ContactDirectory`` other
features use (``directory``)."""
