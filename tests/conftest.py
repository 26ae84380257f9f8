"""What the tests share: `run_tool`, which runs one of tools/*.py as a command; and, for the browser tests, one headless
Chromium for the whole session and a static file server.

Playwright's sync API can run only once per process, so the pages of tests/test_docs_site.py and tests/test_draw_page.py
open in the same browser. It is Debian's Chromium (`apt-get install -y chromium`), or another Chrome named by $CHROMIUM;
Playwright never downloads a browser of its own here.
"""
import os, subprocess, sys, threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import pytest

TOOLS = Path(__file__).resolve().parent.parent/'tools'

@pytest.fixture
def run_tool():
    "Run tools/`name` with `args` in this Python, capturing its output: `run_tool('epoch_speed.py', '--n', '128')`"
    def run(name, *args):
        return subprocess.run([sys.executable, str(TOOLS/name), *args], capture_output=True, text=True, timeout=600)
    return run

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
# without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed network refuses
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']

@pytest.fixture(scope='session')
def browser():
    sync_api = pytest.importorskip('playwright.sync_api')
    if not Path(CHROMIUM).exists(): pytest.fail(f'{CHROMIUM} is missing: apt-get install -y chromium (or set $CHROMIUM)', pytrace=False)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    "Static files as GitHub Pages serves them (the MIME types ONNX Runtime Web needs), without a log line per request"
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, '.wasm': 'application/wasm', '.mjs': 'text/javascript',
                      '.js': 'text/javascript', '.onnx': 'application/octet-stream', '.json': 'application/json'}
    def log_message(self, *args): pass

@contextmanager
def serve_folder(folder):
    "Serve `folder` on 127.0.0.1 at a free port; yields the base URL, ending in '/'"
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    finally: httpd.shutdown(); httpd.server_close()
