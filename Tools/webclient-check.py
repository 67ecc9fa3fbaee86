#!/usr/bin/env python3
"""Drives the web client at / in two headless Chromium browsers (alice and bob, separate profiles) against a fresh
gateway: register, create a room, enter it, send messages both ways, and check each browser shows the other's
message and the join. Prints each step and exits 0 only if every one passed.

Needs chromium (apt-get install chromium) and Python's websockets (Debian: python3-websockets), which CI does not
install, so this is a developer check rather than part of Tools/test.sh.

Usage: Tools/webclient-check.py [ROOMLOG_BINARY]   (default .build/release/roomlog)
"""
import asyncio, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/roomlog")
GATEWAY_PORT, DEBUG_PORTS = 18400, (18401, 18402)
STEP_SECONDS = 10


def get_json(url):
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.load(response)


def wait_for(url, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            return get_json(url)
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


class Page:
    """One browser tab over the Chrome DevTools Protocol: evaluates JavaScript and waits for conditions."""

    def __init__(self, name, socket):
        self.name, self.socket, self.next_id = name, socket, 0

    async def evaluate(self, expression):
        self.next_id += 1
        await self.socket.send(json.dumps({"id": self.next_id, "method": "Runtime.evaluate",
                                           "params": {"expression": expression, "awaitPromise": True, "returnByValue": True}}))
        while True:
            message = json.loads(await self.socket.recv())
            if message.get("id") == self.next_id:
                result = message.get("result", {})
                if "exceptionDetails" in result:
                    raise RuntimeError(f"{self.name}: {result['exceptionDetails']}")
                return result.get("result", {}).get("value")

    async def until(self, what, expression):
        deadline = time.time() + STEP_SECONDS
        while time.time() < deadline:
            if await self.evaluate(expression):
                print(f"ok   {self.name}: {what}")
                return
            await asyncio.sleep(0.1)
        log = await self.evaluate("document.getElementById('log').innerText + ' | ' + document.getElementById('status').innerText")
        raise RuntimeError(f"{self.name}: {what} did not happen (log and status: {log!r})")

    async def fill(self, field, value):
        await self.evaluate(f"document.getElementById({json.dumps(field)}).value = {json.dumps(value)}")

    async def click(self, button):
        await self.evaluate(f"document.getElementById({json.dumps(button)}).click()")

    async def say(self, text):
        await self.fill("text", text)
        await self.evaluate("document.getElementById('send').requestSubmit()")

    def log_contains(self, text):
        return f"document.getElementById('log').innerText.includes({json.dumps(text)})"


async def open_page(name, debug_port):
    targets = wait_for(f"http://127.0.0.1:{debug_port}/json")
    page = next(target for target in targets if target.get("type") == "page")
    socket = await websockets.connect(page["webSocketDebuggerUrl"], max_size=None)
    tab = Page(name, socket)
    await tab.until("the client loaded", "document.readyState === 'complete' && !!document.getElementById('register')")
    return tab


async def scenario():
    alice, bob = await open_page("alice", DEBUG_PORTS[0]), await open_page("bob", DEBUG_PORTS[1])
    for tab in (alice, bob):
        await tab.fill("name", tab.name)
        await tab.fill("password", "correct horse")
        await tab.click("register")
        await tab.until("registered, logged in, WebSocket says hello", "!document.getElementById('who').hidden")
    await alice.fill("newroom", "kkbox")
    await alice.click("create")
    await alice.until("created and entered kkbox", "document.querySelector('#rooms li.current')?.textContent.startsWith('kkbox')")
    await bob.evaluate("refreshRooms()")
    await bob.until("sees kkbox in the room list", "[...document.querySelectorAll('#rooms li')].some(li => li.textContent.startsWith('kkbox'))")
    await bob.evaluate("[...document.querySelectorAll('#rooms li')].find(li => li.textContent.startsWith('kkbox')).click()")
    await bob.until("entered kkbox", "document.querySelector('#rooms li.current')?.textContent.startsWith('kkbox')")
    await alice.until("sees bob join", alice.log_contains("* bob joined"))
    for tab in (alice, bob):
        await tab.until("shows no error", "document.getElementById('status').innerText === ''")
    await alice.say("肚子餓了吃啥 ?")
    await alice.until("sees its own message", alice.log_contains("alice: 肚子餓了吃啥 ?"))
    await bob.until("sees alice's message", bob.log_contains("alice: 肚子餓了吃啥 ?"))
    await bob.say("ramen")
    await alice.until("sees bob's answer", alice.log_contains("bob: ramen"))
    await bob.evaluate("location.reload()")
    await asyncio.sleep(0.5)
    await bob.until("after a reload, logged in again by the session cookie", "document.readyState === 'complete' && !document.getElementById('who').hidden")
    await bob.evaluate("[...document.querySelectorAll('#rooms li')].find(li => li.textContent.startsWith('kkbox')).click()")
    await bob.until("after a reload, the history is back", bob.log_contains("alice: 肚子餓了吃啥 ?") + " && " + bob.log_contains("bob: ramen"))
    for tab in (alice, bob):
        await tab.socket.close()


def main():
    work = tempfile.mkdtemp(prefix="roomlog-webclient-")
    processes = []
    try:
        processes.append(subprocess.Popen([BINARY, "serve", "--data", f"{work}/db", "--port", str(GATEWAY_PORT), "--bcrypt-cost", "4"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"http://127.0.0.1:{GATEWAY_PORT}/healthz")
        for name, port in zip(("alice", "bob"), DEBUG_PORTS):
            processes.append(subprocess.Popen(
                ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={work}/{name}",
                 f"--remote-debugging-port={port}", f"http://127.0.0.1:{GATEWAY_PORT}/"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        asyncio.run(scenario())
        print("PASS: the web client registers, creates and enters a room, and delivers messages both ways")
        return 0
    except Exception as error:
        print(f"FAIL: {error}")
        return 1
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
