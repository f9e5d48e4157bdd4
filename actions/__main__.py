"""`python -m actions`: start the action server with Rapport's settings."""

if __name__ == "__main__":
    import logging

    from actions.server import serve
    from bot import settings
    from memory.files import keep_files_private

    # What the action server writes (repair bookings, memory) is its owner's only.
    keep_files_private()
    loaded = settings.load()
    logging.basicConfig(level=loaded.log_level, format="%(asctime)s %(name)s %(message)s")
    serve(loaded)
