"""The sending use cases: accepting messages through the API (``accept``), the worker's send
path (``delivery``, with the batch's facts in ``facts``) and unsubscribing (``unsubscribe``)."""
