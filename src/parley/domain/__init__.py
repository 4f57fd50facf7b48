"""The pure model of an exchange: parties, people, holdings, requests, rounds.

Imports the standard library and itself only. Time, keys and randomness are passed in.
"""
