"""The campaigns use cases: campaigns and their lifecycle (``campaigns``, checked by
``validation``), enrolment (``enrolment``), the scheduler (``scheduler``, building each
email in ``sends``), reactions to message events (``reactions``) and progress
(``progress``). Every one takes the ``CampaignPorts`` bundle of ``bundle``."""
