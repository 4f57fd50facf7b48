"""The ledger: a tamper-evident, signed record of the exchange that anyone can verify.

Entries are RFC 8785 canonical JSON; the log is an RFC 9162 Merkle tree; checkpoints are
C2SP signed notes, signed with Ed25519 by the mediator and co-signed by each party as a
witness. The verification code needs nothing beyond the standard library and
``cryptography``, so that an observer can audit it.
"""
