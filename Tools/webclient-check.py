#!/usr/bin/python3
"""The web client at / in two headless Chromium browsers (alice and bob, separate profiles), driven over the DevTools
protocol against a fresh gateway, with a third user (carol) on the HTTP API. Checks, step by step: sign-up errors in
words, register, create a room with a topic, browse and join, messages both ways in CJK and emoji (Enter sends,
Shift+Enter breaks the line), an HTML body shown as text, scroll-back past the first page of 250 seeded messages, an
unread count on a room not open, leaving a room, the browser offline and back, a gateway killed and restarted while both are open (both reconnect and resume, every
message exactly once, also those sent while they were away), a message written while cut off kept across a reload and
sent once, a send refused (not_a_member) shown in words and retried with its id, a reload kept signed in by the cookie, a phone-sized
viewport, and log-out. Any JavaScript exception, dialog or Content-Security-Policy report fails the check.

Saves a screenshot of each step under SCREENSHOTS (default .run/webclient, which the test run leaves behind).
Needs Debian's chromium, python3-websockets and fonts-noto-cjk / fonts-noto-color-emoji (Tools/setup.sh).
Usage: Tools/webclient-check.py [ROOMLOG_BINARY]   (default .build/debug/roomlog)
"""
import asyncio, base64, json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.error, urllib.request

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/roomlog")
SCREENSHOTS = os.environ.get("SCREENSHOTS", os.path.join(ROOT, ".run/webclient"))
GATEWAY = 18400 + os.getpid() % 500
BASE = f"http://127.0.0.1:{GATEWAY}"
STEP_SECONDS = 15
SEEDED = 250


def http(method, path, body=None, token=None):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_for(url, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Page:
    """One browser tab over the DevTools protocol: a reader task matches answers to calls and keeps what must never
    happen (exceptions, dialogs, CSP reports, console errors)."""

    def __init__(self, name, socket):
        self.name, self.socket, self.next_id, self.calls, self.problems, self.shot = name, socket, 0, {}, [], 0
        self.reader = asyncio.ensure_future(self.read())

    async def read(self):
        async for raw in self.socket:
            message = json.loads(raw)
            if "id" in message and message["id"] in self.calls:
                self.calls.pop(message["id"]).set_result(message)
                continue
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.exceptionThrown":
                self.problems.append(f"exception: {params['exceptionDetails'].get('exception', {}).get('description') or params['exceptionDetails'].get('text')}")
            elif method == "Page.javascriptDialogOpening":
                self.problems.append(f"a dialog opened: {params.get('message')!r}")
                await self.socket.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}))
            elif method == "Log.entryAdded":
                entry = params["entry"]
                # A resource that fails because the gateway is down (the restart step) is expected; nothing else is.
                if entry.get("level") == "error" and entry.get("source") != "network":
                    self.problems.append(f"console: {entry.get('text')}")

    async def call(self, method, params=None):
        self.next_id += 1
        answer = asyncio.get_running_loop().create_future()
        self.calls[self.next_id] = answer
        await self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        message = await asyncio.wait_for(answer, 30)
        if "error" in message:
            raise RuntimeError(f"{self.name}: {method}: {message['error']}")
        return message.get("result", {})

    async def js(self, expression):
        result = await self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{self.name}: {expression[:80]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def until(self, what, expression, seconds=STEP_SECONDS):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if await self.js(expression):
                print(f"ok   {self.name}: {what}", flush=True)
                await self.screenshot(what)
                return
            await asyncio.sleep(0.1)
        state = await self.js("JSON.stringify({text: document.getElementById('text').value, connection: document.getElementById('connection').textContent, notice: document.getElementById('notice').textContent, "
                              "auth: document.getElementById('auth-error').textContent, room: document.getElementById('room-name').textContent, "
                              "last: [...document.querySelectorAll('#messages li')].slice(-5).map(li => li.textContent)})")
        await self.screenshot("FAILED " + what)
        raise RuntimeError(f"{self.name}: {what}: not within {seconds} s; the page: {state}; problems: {self.problems}")

    async def screenshot(self, what):
        self.shot += 1
        data = (await self.call("Page.captureScreenshot", {"format": "png"}))["data"]
        name = "".join(c if c.isalnum() else "-" for c in what.lower()).strip("-")[:60]
        with open(os.path.join(SCREENSHOTS, f"{self.name}-{self.shot:02d}-{name}.png"), "wb") as file:
            file.write(base64.b64decode(data))

    # Acting as a person would: values typed, buttons clicked, keys pressed.
    async def type_into(self, field, text):
        await self.js(f"(() => {{ const f = document.getElementById({json.dumps(field)}); f.value = ''; f.focus(); }})()")
        await self.call("Input.insertText", {"text": text})

    async def click(self, selector):
        if not await self.js(f"(() => {{ const b = document.querySelector({json.dumps(selector)}); if (!b) return false; b.click(); return true; }})()"):
            raise RuntimeError(f"{self.name}: nothing to click at {selector}")

    async def key_enter(self, shift=False):
        params = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13, "text": "\r",
                  "modifiers": 8 if shift else 0}
        await self.call("Input.dispatchKeyEvent", {"type": "keyDown", **params})
        await self.call("Input.dispatchKeyEvent", {"type": "keyUp", **params})

    async def say(self, text):
        await self.type_into("text", text)
        await self.key_enter()

    async def room_item(self, panel, room):
        return f"document.querySelector('#{panel} li[data-room=\"{room}\"]')"

    def bodies(self):
        return "[...document.querySelectorAll('#messages li.message:not(.pending):not(.failed) .body')].map(b => b.textContent)"

    def shows_once(self, text):
        return f"{self.bodies()}.filter(b => b === {json.dumps(text)}).length === 1"


async def open_page(name, debug_port):
    targets = wait_for(f"http://127.0.0.1:{debug_port}/json")
    target = next(target for target in targets if target.get("type") == "page")
    page = Page(name, await websockets.connect(target["webSocketDebuggerUrl"], max_size=None))
    for domain in ("Runtime", "Page", "Log"):
        await page.call(f"{domain}.enable")
    await page.call("Page.navigate", {"url": BASE + "/"})
    await page.until("the sign-in screen", "document.readyState === 'complete' && !document.getElementById('auth-screen').hidden")
    return page


def contiguous(page):
    """The open room's roomSeqs as shown: each once, without a gap."""
    return ("(() => { const seqs = [...document.querySelectorAll('#messages li[data-room-seq]')].map(li => Number(li.dataset.roomSeq)); "
            "return seqs.length > 0 && seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1); })()")


async def scenario(gateway):
    alice, bob = await open_page("alice", 18931), await open_page("bob", 18932)
    pages = (alice, bob)

    # Accounts: the server's refusals in words, then in.
    await alice.type_into("name", "alice")
    await alice.type_into("password", "correct horse")
    await alice.click("#register")
    await alice.until("registered and connected", "document.getElementById('connection').dataset.state === 'connected'")
    await bob.type_into("name", "alice")
    await bob.type_into("password", "battery staple")
    await bob.click("#register")
    await bob.until("a taken name is refused in words", "document.getElementById('auth-error').textContent.includes('That name is taken')")
    await bob.type_into("name", "bob")
    await bob.click("#login")
    await bob.until("an unknown account is refused in words", "document.getElementById('auth-error').textContent === 'Wrong name or password.'")
    await bob.click("#register")
    await bob.until("registered and connected", "document.getElementById('connection').dataset.state === 'connected'")

    # carol, on the HTTP API: a room of 250 messages for scroll-back, and the third voice of the restart step.
    assert http("POST", "/api/v1/register", {"name": "carol", "password": "correct horse"})[0] == 201
    token = http("POST", "/api/v1/login", {"name": "carol", "password": "correct horse"})[1]["token"]
    assert http("POST", "/api/v1/rooms", {"name": "lobby", "topic": "Everything else"}, token)[0] == 201
    for number in range(1, SEEDED + 1):
        status, answer = http("POST", "/api/v1/rooms/lobby/messages", {"body": f"seed {number}", "id": f"seed-{number}"}, token)
        assert status == 201, answer

    # Rooms: alice creates one with a topic; bob browses and joins it.
    topic = "肚子餓了吃啥 · ラーメン 🍜"
    await alice.type_into("new-room", "kkbox")
    await alice.type_into("new-topic", topic)
    await alice.click("#create button[type=submit]")
    await alice.until("created kkbox and opened it, topic shown",
                      f"document.getElementById('room-name').textContent === '# kkbox' && document.getElementById('room-topic').textContent === {json.dumps(topic)}")
    await bob.click("#browse-refresh")
    await bob.until("browses kkbox with its topic and member count",
                    f"(() => {{ const li = {await bob.room_item('browse', 'kkbox')}; return !!li && li.textContent.includes({json.dumps(topic)}) && li.textContent.includes('1 member'); }})()")
    await bob.click("#browse li[data-room=kkbox] button")
    await bob.until("joined kkbox", "document.getElementById('room-name').textContent === '# kkbox' && !document.getElementById('composer').hidden")
    await alice.until("sees bob join as a quiet line, two members",
                      "[...document.querySelectorAll('#messages li.quietline')].some(li => li.textContent.startsWith('bob joined')) && "
                      "document.getElementById('members').textContent.includes('bob')")

    # Messages both ways: CJK and emoji; Shift+Enter breaks the line, Enter sends.
    await alice.type_into("text", "肚子餓了吃啥 ?")
    await alice.key_enter(shift=True)
    await alice.until("Shift+Enter breaks the line instead of sending", "document.getElementById('text').value === '肚子餓了吃啥 ?\\n'")
    await alice.call("Input.insertText", {"text": "🍜 ramen"})
    await alice.key_enter()
    first = "肚子餓了吃啥 ?\n🍜 ramen"
    await alice.until("sees its own message, sent", alice.shows_once(first) + " && !document.querySelector('#messages li.pending')")
    await bob.until("sees alice's message with its line break", bob.shows_once(first))
    await bob.say("ラーメン行こう 🍣👍")
    await alice.until("sees bob's answer", alice.shows_once("ラーメン行こう 🍣👍"))
    html = "<img src=x onerror=alert(1)>"
    await bob.say(html)
    for page in pages:
        await page.until("shows an HTML body as text, no element made", page.shows_once(html) + " && !document.querySelector('#messages img')")
    await alice.until("shows the body limit before sending",
                      "(() => { const t = document.getElementById('text'); t.value = 'x'.repeat(4001); t.dispatchEvent(new Event('input')); "
                      "return document.getElementById('count').textContent.includes('Too long by 1') && document.getElementById('send').disabled; })()")
    await alice.js("(() => { const t = document.getElementById('text'); t.value = ''; t.dispatchEvent(new Event('input')); })()")

    # Scroll-back: bob joins the seeded room and scrolls up past the first page to its beginning.
    await bob.click("#browse-refresh")
    await bob.until("browses lobby", f"!!{await bob.room_item('browse', 'lobby')}")
    await bob.click("#browse li[data-room=lobby] button")
    await bob.until("opened lobby at its latest page", f"{bob.bodies()}.includes('seed {SEEDED}') && !{bob.bodies()}.includes('seed 1')")
    deadline = time.time() + STEP_SECONDS
    while time.time() < deadline and not await bob.js(f"{bob.bodies()}.includes('seed 1')"):
        await bob.js("document.getElementById('scroller').scrollTop = 0")
        await asyncio.sleep(0.3)
    await bob.until("scrolled back to the room's beginning, each message once, in order",
                    f"{bob.bodies()}.length === {SEEDED} && {bob.bodies()}.every((b, i) => b === 'seed ' + (i + 1)) && {contiguous(bob)} && "
                    "document.getElementById('history-state').textContent.includes('beginning')")

    # Unread: bob back in kkbox; carol writes in lobby.
    await bob.click("#my-rooms li[data-room=kkbox] button")
    await bob.until("back in kkbox", "document.getElementById('room-name').textContent === '# kkbox'")
    for number in (1, 2, 3):
        assert http("POST", "/api/v1/rooms/lobby/messages", {"body": f"unread {number}", "id": f"unread-{number}"}, token)[0] == 201
    await bob.until("counts 3 unread in lobby, not open", f"{await bob.room_item('my-rooms', 'lobby')}?.querySelector('.badge')?.textContent === '3'")
    await bob.click("#my-rooms li[data-room=lobby] button")
    await bob.until("opening lobby reads them", f"{bob.bodies()}.includes('unread 3') && !{await bob.room_item('my-rooms', 'lobby')}.querySelector('.badge')")
    await bob.click("#leave")
    await bob.until("left lobby: gone from his rooms, Join in the browse list",
                    f"!{await bob.room_item('my-rooms', 'lobby')} && {await bob.room_item('browse', 'lobby')}?.querySelector('button').textContent === 'Join' && "
                    "!document.getElementById('empty').hidden")
    await bob.click("#my-rooms li[data-room=kkbox] button")
    await bob.until("back in kkbox", "document.getElementById('room-name').textContent === '# kkbox'")

    # The browser going offline shows as offline, and coming back online reconnects.
    await bob.call("Network.enable")
    await bob.call("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    await bob.until("shows offline", "document.getElementById('connection').dataset.state === 'offline'")
    await bob.call("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    await bob.until("back online: connected", "document.getElementById('connection').dataset.state === 'connected'")

    # A gateway killed while both are open: alice writes while it is down, carol right after it is back.
    assert http("POST", "/api/v1/rooms/kkbox/join", {}, token)[0] == 200
    for page in pages:
        await page.until("sees carol join", "[...document.querySelectorAll('#messages li.quietline')].some(li => li.textContent.startsWith('carol joined'))")
    gateway.kill()
    for page in pages:
        await page.until("shows it is reconnecting", "document.getElementById('connection').dataset.state === 'reconnecting' && "
                                                     "/reconnecting in \\d+ s/.test(document.getElementById('connection').textContent)")
    away = ["written while the server was down", "また書いた ✍️"]
    for text in away:
        await alice.say(text)
    await alice.until("shows both as sending until acknowledged", "document.querySelectorAll('#messages li.pending').length === 2")
    gateway.start()
    carol = ["carol, while you were away 1", "carol, while you were away 2"]
    for number, text in enumerate(carol):
        assert http("POST", "/api/v1/rooms/kkbox/messages", {"body": text, "id": f"away-{number}"}, token)[0] == 201
    everything = [first, "ラーメン行こう 🍣👍", html] + away + carol
    for page in pages:
        await page.until("reconnected and resumed: every message exactly once, in order, none pending",
                         "document.getElementById('connection').dataset.state === 'connected' && !document.querySelector('#messages li.pending') && "
                         + " && ".join(page.shows_once(text) for text in everything) + " && " + contiguous(page), seconds=40)
    # The order is the log's: alice's two in the order written.
    await alice.until("shows the log's order", f"{alice.bodies()}.indexOf({json.dumps(away[0])}) < {alice.bodies()}.indexOf({json.dumps(away[1])})")

    # A message written while cut off stays across a reload (localStorage) and is sent once, with its id, when the
    # connection is back. Cut off in alice's browser only: a stand-in for WebSocket that fails at once, put in every
    # document she loads until it is switched off.
    cut = ("(() => { const Real = window.WebSocket; window.cutOff = true; "
           "function Cut(url, protocols) { if (!window.cutOff) return new Real(url, protocols); "
           "const fake = new EventTarget(); fake.readyState = 3; fake.send = () => {}; fake.close = () => {}; "
           "setTimeout(() => fake.dispatchEvent(Object.assign(new Event('close'), { code: 1006 })), 50); return fake; } "
           "Object.assign(Cut, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 }); window.WebSocket = Cut; })()")
    script = (await alice.call("Page.addScriptToEvaluateOnNewDocument", {"source": cut}))["identifier"]
    await alice.js(cut)
    await alice.js("app.socket.close()")
    await alice.until("cut off: reconnecting", "document.getElementById('connection').dataset.state === 'reconnecting'")
    kept = "kept across a reload 📝"
    await alice.say(kept)
    await alice.until("shows it as sending", "document.querySelectorAll('#messages li.pending').length === 1")
    await alice.call("Page.reload")
    await asyncio.sleep(0.5)
    await alice.until("after a reload, still cut off, the message still there and sending",
                      "document.readyState === 'complete' && document.getElementById('connection').dataset.state === 'reconnecting' && "
                      f"[...document.querySelectorAll('#messages li.pending .body')].map(b => b.textContent).join() === {json.dumps(kept)}")
    await alice.call("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})
    await alice.js("window.cutOff = false")
    await alice.click("#reconnect-now")
    everything.append(kept)
    for page in pages:
        await page.until("the kept message arrives, once", page.shows_once(kept) + " && !document.querySelector('#messages li.pending') && " + contiguous(page))

    # A send the server refuses shows why, with Retry. alice is taken out of kkbox elsewhere (her own session on the
    # HTTP API, as from another device); her next message fails with not_a_member; once she is back, Retry posts it,
    # with its first id, once.
    cookies = (await alice.call("Network.getCookies", {"urls": [BASE]}))["cookies"]
    alice_token = next(cookie["value"] for cookie in cookies if cookie["name"] == "roomlog_session")
    assert http("POST", "/api/v1/rooms/kkbox/leave", {}, alice_token)[0] == 200
    await alice.until("sees herself leave, from elsewhere", "[...document.querySelectorAll('#messages li.quietline')].some(li => li.textContent.startsWith('alice left'))")
    refused = "refused first, then retried"
    await alice.say(refused)
    await alice.until("shows the refusal in words, with Retry",
                      "document.querySelector('#messages li.failed .state')?.textContent === 'not sent: Join the room first.' && "
                      "document.querySelector('#messages li.failed .actions button')?.textContent === 'Retry'")
    failed_id = await alice.js("[...app.pending.values()][0].id")
    assert http("POST", "/api/v1/rooms/kkbox/join", {}, alice_token)[0] == 200
    await alice.click("#messages li.failed .actions button")
    everything.append(refused)
    for page in pages:
        await page.until("the retried message arrives, once", page.shows_once(refused) + " && !document.querySelector('#messages li.failed') && " + contiguous(page))
    status, page = http("GET", "/api/v1/rooms/kkbox/events?limit=5", token=token)
    assert [event.get("id") for event in page["events"] if event.get("body") == refused] == [failed_id], page

    # A reload: still signed in by the cookie, the room open again with its history.
    await bob.call("Page.reload")
    await asyncio.sleep(0.5)
    await bob.until("after a reload, signed in and back in kkbox with its history",
                    "document.getElementById('connection').dataset.state === 'connected' && document.getElementById('room-name').textContent === '# kkbox' && "
                    + " && ".join(bob.shows_once(text) for text in everything))

    # A phone.
    await alice.call("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    await alice.until("on a phone: one column, nothing wider than the screen, the composer in view",
                      "document.documentElement.scrollWidth <= 390 && getComputedStyle(document.getElementById('side')).display === 'none' && "
                      "document.getElementById('composer').getBoundingClientRect().bottom <= 844 && "
                      "document.getElementById('menu').getBoundingClientRect().width > 0")
    await alice.click("#menu")
    await alice.until("on a phone: the rooms open from the menu", "getComputedStyle(document.getElementById('side')).display !== 'none'")
    await alice.click("#my-rooms li[data-room=kkbox] button")
    await alice.until("on a phone: picking a room closes them", "getComputedStyle(document.getElementById('side')).display === 'none'")
    await alice.call("Emulation.clearDeviceMetricsOverride")

    await bob.until("counts kkbox's members live in the browse list", f"{await bob.room_item('browse', 'kkbox')}.textContent.includes('3 members')")
    await alice.click("#logout")
    await alice.until("logged out", "!document.getElementById('auth-screen').hidden && document.getElementById('auth-error').textContent === 'You have logged out.'")
    # Login attempts past the limit (10 a minute from one address): the refusal says when to try again.
    await alice.type_into("name", "alice")
    await alice.type_into("password", "not the password")
    for _ in range(12):
        await alice.click("#login")
        await asyncio.sleep(0.3)
        if await alice.js("/Try again in \\d+ s\\./.test(document.getElementById('auth-error').textContent)"):
            break
    await alice.until("too many attempts: told when to try again", "/^Too many attempts\\. Try again in \\d+ s\\.$/.test(document.getElementById('auth-error').textContent)")
    for page in pages:
        if page.problems:
            raise RuntimeError(f"{page.name}: {page.problems}")
        page.reader.cancel()
        await page.socket.close()


class Gateway:
    def __init__(self, work):
        self.work, self.process = work, None

    def start(self):
        self.process = subprocess.Popen([BINARY, "serve", "--data", f"{self.work}/db", "--port", str(GATEWAY), "--bcrypt-cost", "4",
                                         "--sends-per-second", "1000", "--send-burst", "1000"],
                                        stdout=subprocess.DEVNULL, stderr=open(f"{self.work}/gateway.log", "a"))
        wait_for(f"{BASE}/healthz")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def main():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    for old in os.listdir(SCREENSHOTS):
        if old.endswith(".png"):
            os.remove(os.path.join(SCREENSHOTS, old))
    work = tempfile.mkdtemp(prefix="roomlog-webclient-")
    gateway, browsers = Gateway(work), []
    try:
        gateway.start()
        for name, port in (("alice", 18931), ("bob", 18932)):
            browsers.append(subprocess.Popen(
                ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,800",
                 "--lang=en-US", f"--user-data-dir={work}/{name}", f"--remote-debugging-port={port}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        asyncio.run(asyncio.wait_for(scenario(gateway), 300))
        print(f"PASS: the web client in two browsers, every step above (screenshots in {SCREENSHOTS})")
        return 0
    except Exception as error:
        print(f"FAIL: {error!r}")
        try:
            print(open(f"{work}/gateway.log").read()[-2000:])
        except OSError:
            pass
        return 1
    finally:
        for process in browsers + [gateway.process]:
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
