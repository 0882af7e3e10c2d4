# SPDX-License-Identifier: ISC
"""cdp: a small driver for Debian's chromium over the Chrome DevTools
Protocol (websocket-client from Debian's python3-websocket), for the console's
browser tests. No browser download, nothing from npm.

Browser(user_data_dir) starts chromium headless on a free debugging port
(chromium picks it and writes it to DevToolsActivePort), opens a page and
drives it: navigate, evaluate JavaScript, wait for a condition the page can
show, take a screenshot. Every wait is bounded."""
import base64
import json
import os
import subprocess
import time
import urllib.request

import websocket  # python3-websocket

CHROMIUM = os.environ.get('CORDON_CHROMIUM', '/usr/bin/chromium')


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, user_data_dir, width=1400, height=900, log=None):
        self.dir = user_data_dir
        self.next_id = 0
        self.events = []
        # Root needs --no-sandbox (CI runs as root); the profile is the test's own.
        self.proc = subprocess.Popen(
            [CHROMIUM, '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--metrics-recording-only',
             '--password-store=basic', '--remote-debugging-address=127.0.0.1',
             '--remote-debugging-port=0', '--user-data-dir=' + user_data_dir,
             f'--window-size={width},{height}', 'about:blank'],
            stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL)
        port = self._wait_port(30)
        target = self._page_target(port)
        self.ws = websocket.create_connection(target, timeout=30, suppress_origin=True)
        self.call('Page.enable')
        self.call('Runtime.enable')

    def _wait_port(self, timeout):
        path = os.path.join(self.dir, 'DevToolsActivePort')
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise CDPError(f'chromium exited ({self.proc.returncode}) before it listened')
            try:
                with open(path) as f:
                    first = f.readline().strip()
                if first:
                    return int(first)
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise CDPError(f'chromium did not write {path} within {timeout} s')

    @staticmethod
    def _page_target(port):
        with urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=10) as r:
            targets = json.load(r)
        for t in targets:
            if t.get('type') == 'page':
                return t['webSocketDebuggerUrl']
        raise CDPError('chromium has no page target')

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({'id': my, 'method': method, 'params': params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == my:
                if 'error' in msg:
                    raise CDPError(f'{method}: {msg["error"].get("message")}')
                return msg.get('result', {})
            if 'method' in msg:
                self.events.append(msg)

    def eval(self, expr):
        """The value of a JavaScript expression (promises awaited)."""
        r = self.call('Runtime.evaluate', expression=expr, awaitPromise=True, returnByValue=True)
        if 'exceptionDetails' in r:
            d = r['exceptionDetails']
            raise CDPError(f'{expr[:80]}: {d.get("exception", {}).get("description") or d.get("text")}')
        return r.get('result', {}).get('value')

    def navigate(self, url):
        self.call('Page.navigate', url=url)

    def wait(self, expr, timeout=10.0):
        """Waits until `expr` is truthy in the page; its value, or None on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                v = self.eval(expr)
            except CDPError:
                v = None      # a page being replaced answers nothing for a moment
            if v:
                return v
            time.sleep(0.05)
        return None

    def screenshot(self, path):
        r = self.call('Page.captureScreenshot', format='png')
        with open(path, 'wb') as f:
            f.write(base64.b64decode(r['data']))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
