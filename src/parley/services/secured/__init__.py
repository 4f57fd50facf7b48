"""The services as the API calls them: each checks the principal's permission first.

One module per area, each function taking the unit of work and the ``Principal`` before
anything else, checking ``parley.services.access.authorize`` against the object
concerned (its party, or its exchange's parties), calling the plain service, and
removing from the answer what the principal may not see. The CLI, run by the operator
on the server, calls the plain services.
"""
