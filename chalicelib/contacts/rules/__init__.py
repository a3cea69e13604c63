"""The contacts feature's decisions, pure: what a contact, a draft and a list are
(``contacts``, ``lists``), what a client may say about them (``checks``) and how a listing
is filtered (``filters``)."""
