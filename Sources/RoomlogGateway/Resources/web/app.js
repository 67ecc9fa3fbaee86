"use strict";
// Roomlog's web client. Accounts, rooms and history over the HTTP API; live events and sends over one WebSocket
// (protocol 1.2, batch=1). Every name, topic and body goes into the page as text (textContent), never as HTML.
// Positions: the open room resumes with `subscribe` `after` the last roomSeq shown; the other rooms are subscribed
// live and their unread counts are their heads against the last roomSeq read, kept in localStorage per user and epoch.

const $ = (id) => document.getElementById(id);
const BODY_MAX = 4000, FRAME_MAX = 16384, PAGE = 100, BROWSE_PAGE = 50;

const app = {
  user: null, epoch: null,
  socket: null, ready: false, attempt: 0, timer: null, countdown: null, retryAt: 0,
  heads: new Map(),     // the user's rooms: name -> head roomSeq
  info: new Map(),      // room name -> {topic, members}, as last read
  read: {},             // room name -> last roomSeq read
  view: null,           // the open room
  pending: new Map(),   // client message id -> {id, room, body, state: pending|sent|failed, error}
  browseNext: null, counter: 0, noticeTimer: null,
};

// ---- Words for the server's errors -------------------------------------------------------------------------------

const WORDS = {
  name_taken: "That name is taken. Pick another, or log in if it is yours.",
  bad_credentials: "Wrong name or password.",
  invalid_name: "Names are 1-32 characters: a-z, 0-9, _ and -, starting with a letter or digit.",
  invalid_password: "Passwords are 8 to 128 bytes long.",
  room_exists: "A room of that name exists already: find it under Browse rooms.",
  room_not_found: "That room does not exist (any more).",
  invalid_topic: "Topics are at most 200 characters.",
  invalid_body: "Messages are 1 to 4000 characters.",
  not_a_member: "Join the room first.",
  limit_reached: "You are in as many rooms as allowed: leave one first.",
  unavailable: "The server cannot take this right now. Try again in a moment.",
  unauthorized: "Your session has ended. Log in again.",
  origin_refused: "This page's address is not allowed to use this server.",
  network: "The server cannot be reached. Check the connection and try again.",
};

function describe(error) {
  const code = error.code || "error";
  if (code === "rate_limited") {
    const seconds = error.retryAfter || Number((/retry in (\d+) s/.exec(error.message || "") || [])[1]) || 0;
    return seconds ? `Too many attempts. Try again in ${seconds} s.` : "Too many attempts. Try again shortly.";
  }
  return WORDS[code] || error.message || "Something went wrong.";
}

class ApiError extends Error {
  constructor(status, code, message, retryAfter) { super(message); Object.assign(this, { status, code, retryAfter }); }
}

async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body || {}); }
  let response;
  try { response = await fetch(path, options); } catch { throw new ApiError(0, "network", WORDS.network); }
  let data = {};
  if (response.status !== 204) { try { data = await response.json(); } catch { data = {}; } }
  if (!response.ok) {
    const error = data.error || {};
    if (response.status === 401 && app.user) setTimeout(() => signedOut(WORDS.unauthorized));  // the session ended meanwhile
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message || response.statusText,
                       Number(response.headers.get("Retry-After")) || 0);
  }
  return data;
}

const roomPath = (room) => `/api/v1/rooms/${encodeURIComponent(room)}`;

// ---- Small helpers ----------------------------------------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, onClick, className) {
  const node = element("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
  clearTimeout(app.noticeTimer);
  if (text) app.noticeTimer = setTimeout(() => { $("notice").hidden = true; }, 8000);
}

const scalars = (text) => [...text].length;  // Unicode scalar values, as the server counts a body

// The browser's storage, per user. Where it is denied or full the client works on without it (only forgets more).
const stored = {
  get(key) { try { return JSON.parse(localStorage.getItem(`roomlog.${key}.${app.user}`)); } catch { return null; } },
  set(key, value) { try { localStorage.setItem(`roomlog.${key}.${app.user}`, JSON.stringify(value)); } catch { /* full or denied */ } },
  remove(key) { try { localStorage.removeItem(`roomlog.${key}.${app.user}`); } catch { /* denied */ } },
};

// Messages not yet in the log, kept across a reload or a closed tab and sent again (same ids) once connected.
function savePending() {
  stored.set("pending", [...app.pending.values()].map(({ id, room, body, state, error }) => ({ id, room, body, state: state === "sent" ? "pending" : state, error })));
}
function loadPending() {
  const kept = stored.get("pending");
  if (Array.isArray(kept)) for (const message of kept) app.pending.set(message.id, message);
}

function saveRead() { stored.set("read", { epoch: app.epoch, rooms: app.read }); }
function loadRead(epoch) {
  const saved = stored.get("read");
  return saved && saved.epoch === epoch && saved.rooms ? saved.rooms : {};
}

// ---- Signing in and out -----------------------------------------------------------------------------------------

function showAuth(message) {
  document.body.classList.remove("signed-in");
  $("app").hidden = true;
  $("auth-screen").hidden = false;
  $("who").hidden = $("logout").hidden = true;
  $("auth-error").textContent = message || "";
  setConnection("idle");
  $("name").focus();
}

async function authenticate(register) {
  const name = $("name").value.trim().toLowerCase(), password = $("password").value;
  $("name").value = name;
  $("auth-error").textContent = "";
  if (!name) return void ($("auth-error").textContent = "Enter a name.");
  if (password.length < 8) return void ($("auth-error").textContent = WORDS.invalid_password);
  for (const control of [$("login"), $("register")]) control.disabled = true;
  try {
    if (register) await api("POST", "/api/v1/register", { name, password });
    await api("POST", "/api/v1/login", { name, password });
    $("password").value = "";
    const me = await api("GET", "/api/v1/me");
    signedIn(me.user.name, me.rooms);
  } catch (error) {
    $("auth-error").textContent = describe(error);
  } finally {
    for (const control of [$("login"), $("register")]) control.disabled = false;
  }
}

function signedIn(user, rooms) {
  app.user = user;
  app.heads = new Map(rooms.map((room) => [room, undefined]));
  app.read = {};
  loadPending();
  document.body.classList.add("signed-in");
  $("auth-screen").hidden = true;
  $("app").hidden = false;
  $("who").textContent = user;
  $("who").hidden = $("logout").hidden = false;
  renderMyRooms();
  loadBrowse(true);
  connect();
  const last = stored.get("open");
  if (last && app.heads.has(last)) openRoom(last);
  else if (matchMedia("(max-width: 700px)").matches) toggleDrawer(true);
}

function signedOut(message) {
  const socket = app.socket;
  app.socket = null; app.ready = false; app.user = null; app.epoch = null; app.view = null;
  app.pending.clear(); app.heads.clear(); app.info.clear();
  clearTimeout(app.timer); clearInterval(app.countdown);
  if (socket) socket.close(1000);
  $("messages").replaceChildren(); $("my-rooms").replaceChildren(); $("browse").replaceChildren();
  showRoomChrome(false);
  showAuth(message);
}

async function logout() {
  try { await api("POST", "/api/v1/logout"); } catch (error) { if (error.status !== 401) return notice(describe(error)); }
  stored.remove("pending");  // logging out drops what was not sent; a session that expires keeps it
  signedOut("You have logged out.");
}

// ---- The connection ---------------------------------------------------------------------------------------------

function setConnection(state, text) {
  const label = { idle: "", connecting: "connecting…", connected: "connected", offline: "offline", ended: "signed out" }[state];
  $("connection").dataset.state = state;
  $("connection").textContent = text || label || state;
  $("reconnect-now").hidden = state !== "reconnecting" && state !== "offline";
}

function connect() {
  clearTimeout(app.timer); clearInterval(app.countdown);
  if (!app.user || (app.socket && app.socket.readyState <= WebSocket.OPEN)) return;
  setConnection("connecting");
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws?batch=1`);
  app.socket = socket; app.ready = false;
  let greeted = false;
  socket.addEventListener("message", (message) => {
    if (socket !== app.socket) return;
    let frame;
    try { frame = JSON.parse(message.data); } catch { return; }
    if (frame.type === "hello") greeted = true;
    onFrame(frame);
  });
  socket.addEventListener("close", async (close) => {
    if (socket !== app.socket) return;
    app.socket = null; app.ready = false;
    if (close.code === 4001) return signedOut("Your session has ended (logged out or expired). Log in again.");
    if (!greeted) {
      // Refused before hello: an upgrade answered 401 looks like any failure here, so ask the API.
      try { await api("GET", "/api/v1/me"); } catch (error) { if (error.status === 401) return signedOut(WORDS.unauthorized); }
    }
    if (app.user) scheduleReconnect(close.code === 1013);
  });
}

// Exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to 30 s, each times a random 0.5-1.
function scheduleReconnect(soon) {
  if (soon) app.attempt = 0;
  const delay = Math.min(30, 0.5 * 2 ** app.attempt) * (0.5 + Math.random() / 2) * 1000;
  app.attempt += 1;
  app.retryAt = Date.now() + delay;
  const show = () => {
    if (!navigator.onLine) return setConnection("offline", "offline: waiting for the network");
    setConnection("reconnecting", `reconnecting in ${Math.max(0, Math.ceil((app.retryAt - Date.now()) / 1000))} s`);
  };
  show();
  clearInterval(app.countdown);
  app.countdown = setInterval(show, 250);
  clearTimeout(app.timer);
  app.timer = setTimeout(connect, delay);
}

function send(frame) {
  if (!app.ready || !app.socket) return false;
  app.socket.send(JSON.stringify(frame));
  return true;
}

function onFrame(frame) {
  switch (frame.type) {
    case "hello": return onHello(frame);
    case "event": return onEvent(frame.event);
    case "events": return frame.events.forEach(onEvent);
    case "ack": return onAck(frame);
    case "joined": return onJoined(frame);
    case "left": return onLeft(frame);
    case "subscribed":
      if (frame.recovered === false && app.view && app.view.room === frame.room) reopen();
      return;
    case "error": return onError(frame);
    default: return;  // unsubscribed, and frames of later versions
  }
}

function onHello(hello) {
  if (hello.user !== app.user) return location.reload();  // another account logged in from this browser
  clearInterval(app.countdown);
  app.attempt = 0; app.ready = true;
  setConnection("connected");
  const epochChanged = app.epoch !== null && app.epoch !== hello.epoch;
  if (app.epoch !== hello.epoch) { app.epoch = hello.epoch; app.read = loadRead(hello.epoch); }
  app.heads = new Map(Object.entries(hello.rooms));
  for (const [room, head] of app.heads) if (app.read[room] === undefined) app.read[room] = head;
  saveRead();
  const view = app.view;
  if (view && !app.heads.has(view.room)) closeRoom();
  else if (epochChanged && view) reopen();
  for (const room of app.heads.keys()) {
    if (app.view && room === app.view.room) {
      if (app.view.ready) send({ type: "subscribe", room, after: app.view.last, epoch: app.epoch });
    } else send({ type: "subscribe", room });
  }
  for (const pending of app.pending.values()) if (pending.state === "pending") transmit(pending);
  renderMyRooms();
}

function onEvent(event) {
  const room = event.room;
  if (!room) return;
  if (app.heads.has(room) && event.roomSeq > (app.heads.get(room) || 0)) app.heads.set(room, event.roomSeq);
  if (event.type === "room.joined" || event.type === "room.left") countMembers(room, event.type === "room.joined" ? 1 : -1);
  if (app.view && app.view.room === room) viewEvent(app.view, event);
  else {
    settle(event);
    if (event.user === app.user && app.read[room] === event.roomSeq - 1) { app.read[room] = event.roomSeq; saveRead(); }  // one's own is read
  }
  renderMyRoomsSoon();
}

function onAck(ack) {
  const pending = app.pending.get(ack.id);
  if (!pending) return;
  pending.state = "sent";
  renderPending(pending);
}

function onError(error) {
  const pending = error.id && app.pending.get(error.id);
  if (pending) {
    pending.state = "failed";
    pending.error = describe(error);
    return renderPending(pending);
  }
  notice(error.room ? `${error.room}: ${describe(error)}` : describe(error));
}

// ---- The rooms list ---------------------------------------------------------------------------------------------

function unread(room) {
  if (app.view && app.view.room === room) return 0;
  const head = app.heads.get(room), read = app.read[room];
  return head === undefined || read === undefined ? 0 : Math.max(0, head - read);
}

let renderQueued = false;
function renderMyRoomsSoon() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; renderMyRooms(); });
}

function renderMyRooms() {
  const rooms = [...app.heads.keys()].sort();
  let total = 0;
  $("my-rooms").replaceChildren(...rooms.map((room) => {
    const count = unread(room);
    total += count;
    const item = element("li");
    item.dataset.room = room;
    if (app.view && app.view.room === room) item.classList.add("current");
    const open = button(`# ${room}`, () => openRoom(room), "open");
    open.setAttribute("aria-label", count ? `${room}, ${count} unread` : room);
    item.append(open);
    if (count) { item.classList.add("unread"); item.append(element("span", "badge", String(count))); }
    return item;
  }));
  $("no-rooms").hidden = rooms.length > 0;
  document.title = total ? `(${total}) Roomlog` : "Roomlog";
}

const membersText = (count) => `${count} ${count === 1 ? "member" : "members"}`;

function countMembers(room, change) {
  const info = app.info.get(room);
  if (!info) return;
  info.members = Math.max(0, info.members + change);
  const count = $("browse").querySelector(`li[data-room="${CSS.escape(room)}"] .count`);
  if (count) count.textContent = membersText(info.members);
}

async function loadBrowse(reset) {
  try {
    const after = reset ? "" : `&after=${encodeURIComponent(app.browseNext || "")}`;
    const data = await api("GET", `/api/v1/rooms?limit=${BROWSE_PAGE}${after}`);
    if (reset) $("browse").replaceChildren();
    for (const room of data.rooms) {
      app.info.set(room.name, room);
      const item = element("li");
      item.dataset.room = room.name;
      item.append(element("span", "name", `# ${room.name}`),
                  element("span", "count quiet", membersText(room.members)),
                  app.heads.has(room.name) ? button("Open", () => openRoom(room.name)) : button("Join", () => join(room.name)));
      if (room.topic) item.append(element("span", "topic", room.topic));
      $("browse").append(item);
    }
    app.browseNext = data.next || null;
    $("browse-more").hidden = !app.browseNext;
  } catch (error) {
    notice(`Rooms could not be listed: ${describe(error)}`);
  }
}

async function createRoom() {
  const name = $("new-room").value.trim().toLowerCase(), topic = $("new-topic").value;
  $("create-error").textContent = "";
  if (!name) return void ($("create-error").textContent = WORDS.invalid_name);
  if (scalars(topic) > 200) return void ($("create-error").textContent = WORDS.invalid_topic);
  try {
    const { room } = await api("POST", "/api/v1/rooms", { name, topic });
    $("new-room").value = $("new-topic").value = "";
    app.info.set(room.name, room);
    app.heads.set(room.name, room.head);
    app.read[room.name] = room.head;
    saveRead();
    openRoom(room.name);
    loadBrowse(true);
  } catch (error) {
    $("create-error").textContent = describe(error);
  }
}

// Joins and leaves go over the WebSocket (a join subscribes at once); while it is down, over HTTP.
async function join(room) {
  if (send({ type: "join", room })) return;
  try { onJoined({ room, head: (await api("POST", `${roomPath(room)}/join`)).room.head }); } catch (error) { notice(`${room}: ${describe(error)}`); }
}

async function leave(room) {
  if (send({ type: "leave", room })) return;
  try { await api("POST", `${roomPath(room)}/leave`); onLeft({ room }); } catch (error) { notice(`${room}: ${describe(error)}`); }
}

function onJoined(joined) {
  const room = joined.room;
  if (!app.heads.has(room)) {
    app.heads.set(room, joined.head);
    app.read[room] = joined.head;
    saveRead();
  }
  openRoom(room);
  loadBrowse(true);
}

function onLeft(left) {
  app.heads.delete(left.room);
  delete app.read[left.room];
  saveRead();
  if (app.view && app.view.room === left.room) closeRoom();
  renderMyRooms();
  loadBrowse(true);
}

function toggleDrawer(open) {
  const side = $("side");
  const show = open === undefined ? !side.classList.contains("open") : open;
  side.classList.toggle("open", show);
  $("menu").setAttribute("aria-expanded", String(show));
}

// ---- A room -----------------------------------------------------------------------------------------------------

function showRoomChrome(open) {
  $("room-head").hidden = $("scroller").hidden = $("composer").hidden = !open;
  $("empty").hidden = open;
  $("members-panel").hidden = !open;
}

function closeRoom() {
  app.view = null;
  stored.remove("open");
  $("messages").replaceChildren();
  showRoomChrome(false);
  renderMyRooms();
}

function reopen() {
  const room = app.view && app.view.room;
  app.view = null;
  if (room) openRoom(room);
}

async function openRoom(room) {
  toggleDrawer(false);
  if (app.view && app.view.room === room) return;
  const view = { room, first: 0, last: 0, ready: false, queue: [], members: new Set(), loadingOlder: false };
  app.view = view;
  stored.set("open", room);
  showRoomChrome(true);
  $("room-name").textContent = `# ${room}`;
  $("room-topic").textContent = (app.info.get(room) || {}).topic || "";
  $("messages").replaceChildren();
  $("members").replaceChildren();
  $("history-state").textContent = "Loading…";
  $("text").placeholder = `Message #${room}`;
  renderMyRooms();
  try {
    const [page, members, info] = await Promise.all([
      api("GET", `${roomPath(room)}/events?limit=${PAGE}`), api("GET", `${roomPath(room)}/members`), api("GET", roomPath(room))]);
    if (app.view !== view) return;
    app.info.set(room, info.room);
    $("room-topic").textContent = info.room.topic;
    $("room-topic").title = info.room.topic;
    view.members = new Set(members.members);
    renderMembers(view);
    $("messages").append(...page.events.map(eventItem));
    view.first = page.events.length ? page.events[0].roomSeq : page.head + 1;
    view.last = page.head;
    view.ready = true;
    for (const event of view.queue.splice(0)) viewEvent(view, event);
    for (const pending of app.pending.values()) if (pending.room === room) renderPending(pending);
    showHistoryState(view);
    scrollToEnd();
    if ($("scroller").scrollHeight <= $("scroller").clientHeight) loadOlder();  // no scrollbar to scroll up with
    markRead(view);
    send({ type: "subscribe", room, after: view.last, epoch: app.epoch });
    $("text").focus();
  } catch (error) {
    if (app.view !== view) return;
    $("history-state").replaceChildren(`The room could not be loaded: ${describe(error)} `, button("Try again", reopen, "link"));
  }
}

function showHistoryState(view) {
  $("history-state").textContent = view.first <= 1 ? `This is the beginning of #${view.room}.` : "";
}

function markRead(view) {
  if (app.read[view.room] !== view.last && app.heads.has(view.room)) { app.read[view.room] = view.last; saveRead(); }
  renderMyRoomsSoon();
}

function viewEvent(view, event) {
  if (!view.ready) return void view.queue.push(event);
  if (event.roomSeq <= view.last) return;  // shown already (a resume overlaps what the page had)
  if (event.roomSeq > view.last + 1) {
    // Never expected (the server resumes without gaps); ask once again from the last event shown rather than skip any.
    if (view.askedAfter !== view.last && send({ type: "subscribe", room: view.room, after: view.last, epoch: app.epoch })) view.askedAfter = view.last;
    return;
  }
  const scroller = $("scroller");
  const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
  const item = eventItem(event);  // first: it takes the message's own pending line away
  $("messages").insertBefore(item, $("messages").querySelector("li.pending, li.failed"));
  view.last = event.roomSeq;
  if (event.type === "room.joined") view.members.add(event.user);
  if (event.type === "room.left") view.members.delete(event.user);
  if (event.type === "room.joined" || event.type === "room.left") renderMembers(view);
  if (atEnd || event.user === app.user) scrollToEnd();
  markRead(view);
}

function eventItem(event) {
  const item = element("li");
  item.dataset.roomSeq = String(event.roomSeq);
  const at = new Date(event.at);
  const time = element("time", "", at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  time.dateTime = event.at;
  time.title = at.toLocaleString();
  if (event.type === "message.posted") {
    item.className = "message";
    const head = element("div", "head");
    head.append(element("span", "author", event.user), time);
    item.append(head, element("div", "body", event.body));
    if (event.user === app.user) {
      item.classList.add("mine");
      if (settle(event)) head.append(element("span", "state", "sent"));
    }
    return item;
  }
  item.className = "quietline";
  const what = { "room.created": "created the room", "room.joined": "joined", "room.left": "left" }[event.type] || event.type;
  item.append(`${event.user} ${what}`, event.type === "room.created" && event.topic ? ` · ${event.topic}` : "", " · ", time);
  return item;
}

// The user's own message is in the log: it is no longer pending.
function settle(event) {
  const pending = event.type === "message.posted" && event.user === app.user && event.id ? app.pending.get(event.id) : undefined;
  if (!pending) return false;
  app.pending.delete(pending.id);
  if (pending.element) pending.element.remove();
  savePending();
  return true;
}

function renderMembers(view) {
  const members = [...view.members].sort();
  $("members").replaceChildren(...members.map((name) => element("li", name === app.user ? "me" : "", name)));
  $("members-toggle").textContent = `Members (${members.length})`;
}

function scrollToEnd() { const scroller = $("scroller"); scroller.scrollTop = scroller.scrollHeight; }

async function loadOlder() {
  const view = app.view;
  if (!view || !view.ready || view.loadingOlder || view.first <= 1) return;
  view.loadingOlder = true;
  $("history-state").textContent = "Loading older messages…";
  try {
    const page = await api("GET", `${roomPath(view.room)}/events?before=${view.first}&limit=${PAGE}`);
    if (app.view !== view) return;
    const scroller = $("scroller"), height = scroller.scrollHeight;
    $("messages").prepend(...page.events.map(eventItem));
    view.first = page.events.length ? page.events[0].roomSeq : 1;
    scroller.scrollTop += scroller.scrollHeight - height;  // keep what the reader looked at in place
    showHistoryState(view);
  } catch (error) {
    $("history-state").textContent = `Older messages could not be loaded: ${describe(error)}`;
  } finally {
    view.loadingOlder = false;
  }
}

// ---- Sending ----------------------------------------------------------------------------------------------------

function bodyProblem(body) {
  const count = scalars(body);
  if (count > BODY_MAX) return `Too long by ${count - BODY_MAX} characters (at most ${BODY_MAX}).`;
  const frame = JSON.stringify({ type: "send", room: app.view ? app.view.room : "", body, id: "x".repeat(64) });
  if (new TextEncoder().encode(frame).length > FRAME_MAX) return "Too long to send: shorten it or split it in two.";
  return "";
}

function updateCount() {
  const body = $("text").value, count = scalars(body), problem = bodyProblem(body);
  $("count").textContent = problem || (count > BODY_MAX - 500 ? `${count} / ${BODY_MAX}` : "");
  $("count").classList.toggle("over", Boolean(problem));
  $("send").disabled = Boolean(problem);
  const text = $("text");
  text.style.height = "auto";
  text.style.height = `${Math.min(text.scrollHeight + 2, 200)}px`;
}

function submitMessage() {
  const view = app.view, body = $("text").value;
  if (!view || body.trim() === "" || bodyProblem(body)) return;
  const id = `w-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${app.counter++}`;
  const pending = { id, room: view.room, body, state: "pending", error: "" };
  app.pending.set(id, pending);
  $("text").value = "";
  updateCount();
  renderPending(pending);
  scrollToEnd();
  transmit(pending);
}

function transmit(pending) {
  send({ type: "send", room: pending.room, body: pending.body, id: pending.id });  // else sent again on reconnect
}

function retry(pending) {
  pending.state = "pending";
  pending.error = "";
  renderPending(pending);
  transmit(pending);  // the same id: the server posts it at most once
}

function discard(pending) {
  app.pending.delete(pending.id);
  if (pending.element) pending.element.remove();
  savePending();
}

function renderPending(pending) {
  savePending();
  if (!app.view || app.view.room !== pending.room || !app.pending.has(pending.id)) return;
  const item = pending.element || element("li");
  pending.element = item;
  item.className = `message mine ${pending.state === "failed" ? "failed" : "pending"}`;
  const head = element("div", "head");
  const state = { pending: "sending…", sent: "sent", failed: `not sent: ${pending.error}` }[pending.state];
  head.append(element("span", "author", app.user), element("span", "state", state));
  if (pending.state === "failed") {
    const actions = element("span", "actions");
    actions.append(button("Retry", () => retry(pending)), button("Discard", () => discard(pending)));
    head.append(actions);
  }
  item.replaceChildren(head, element("div", "body", pending.body));
  if (!item.isConnected) $("messages").append(item);
}

// ---- Wiring -----------------------------------------------------------------------------------------------------

function start() {
  $("auth").addEventListener("submit", (event) => { event.preventDefault(); authenticate(false); });
  $("register").addEventListener("click", () => authenticate(true));
  $("logout").addEventListener("click", logout);
  $("reconnect-now").addEventListener("click", () => { app.attempt = 0; connect(); });
  $("menu").addEventListener("click", () => toggleDrawer());
  $("members-toggle").addEventListener("click", () => {
    const open = $("members-panel").classList.toggle("open");
    $("members-toggle").setAttribute("aria-expanded", String(open));
  });
  $("leave").addEventListener("click", () => { if (app.view) leave(app.view.room); });
  $("browse-refresh").addEventListener("click", () => loadBrowse(true));
  $("browse-more").addEventListener("click", () => loadBrowse(false));
  $("create").addEventListener("submit", (event) => { event.preventDefault(); createRoom(); });
  $("composer").addEventListener("submit", (event) => { event.preventDefault(); submitMessage(); });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submitMessage(); }
  });
  $("text").addEventListener("input", updateCount);
  $("scroller").addEventListener("scroll", () => { if ($("scroller").scrollTop < 150) loadOlder(); });
  window.addEventListener("online", () => { if (app.user && !app.socket) { app.attempt = 0; connect(); } });
  // The browser lost its network: the socket is most likely dead without knowing it yet, so close it and wait.
  window.addEventListener("offline", () => { if (app.user && app.socket) app.socket.close(); });
  api("GET", "/api/v1/me").then((me) => signedIn(me.user.name, me.rooms), (error) => showAuth(error.status === 401 ? "" : describe(error)));
}

start();
