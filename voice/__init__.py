"""The voice of Rapport: what the shop can say, and how it says it (plain Python, no Rasa)."""
