"""The inbound feature's decisions: classifying one inbound email (``classify``, reading
untrusted MIME with ``mime_reader``, bounce wording in ``bounce_formats``, quote cutting in
``reply_text``) and what is kept of it (``records``)."""
