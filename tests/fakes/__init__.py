"""In-memory twins of the ports, shared by every test tier, one module per feature (``core``,
``accounts``, ``analytics``, ``domains``, ``mailboxes``, ``templates``, ``sending``) plus the
outside world (``dns``, ``smtp``, ``inbound_mail``). Each store twin passes the same contract
tests as its real adapter: ``tests/functional/<feature>/test_*_contract.py``."""
