"""Rapport's server side: command line, settings, channels and the parts around the Rasa server."""
