"""`python -m actions`: start the action server with Rapport's settings."""

if __name__ == "__main__":
    import logging

    from actions.server import serve
    from bot import settings

    loaded = settings.load()
    logging.basicConfig(level=loaded.log_level, format="%(asctime)s %(name)s %(message)s")
    serve(loaded)
