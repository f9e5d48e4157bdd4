"""`python -m actions`: start the action server with Rapport's settings."""

if __name__ == "__main__":
    from actions.server import serve
    from bot import logs, settings
    from memory.files import keep_files_private

    # What the action server writes (repair bookings, memory) is its owner's only.
    keep_files_private()
    loaded = settings.load()
    logs.configure(loaded.log_level, loaded.log_format)
    serve(loaded)
