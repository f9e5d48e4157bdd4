"""The relationship memory's repositories, one per concern, each working on the connection of
one unit of work (`memory.unit_of_work`); `cards` is the read-only relationship card."""
