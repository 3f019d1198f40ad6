"""VHS/PAL frame restoration: the web app (``python app.py``; the Hugging Face Space's
``app_file``). Serves on http://localhost:7860 until Ctrl-C or SIGTERM; see `webui` for the
tabs, the API names and the files it keeps, `webui.serve.serve` for the exit status."""

import sys

from webui.serve import serve

if __name__ == "__main__":
    sys.exit(serve())
