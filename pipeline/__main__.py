import sys

try:
    from pipeline.cli import app
except KeyboardInterrupt:
    # Ctrl-C while the CLI is still importing: nothing has started, so nothing is lost.
    sys.stderr.write("Interrupted: Run the same command again to resume where it stopped.\n")
    sys.exit(130)

if __name__ == "__main__":
    app(prog_name="pls")
