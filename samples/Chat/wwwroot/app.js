// The chat page: plain JavaScript over the official socket.io-client (the global `io` of lib/socket.io.min.js).
"use strict";

const $ = (id) => document.getElementById(id);
const ACK_TIMEOUT_MS = 10000;
const MAX_IMAGE_BYTES = 4 * 1024 * 1024; // the server's limit (Program.cs)

// Same origin, default path /socket.io/. Connect once the user has chosen a nickname.
const socket = io({ autoConnect: false });

let me = null;        // { nick, room } once joined
const typingNicks = new Map(); // nick -> timer that hides a stale "typing…"

// ------------------------------------------------------------------ joining

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  me = { nick: $("nick").value.trim(), room: $("room").value.trim() || "general" };
  if (socket.connected) {
    join();
  } else {
    socket.connect(); // the "connect" handler joins
  }
});

$("switch-room").addEventListener("click", () => {
  $("chat").hidden = true;
  $("join").hidden = false;
  $("room").focus();
  $("room").select();
});

// On every (re)connection, (re)join: the server forgets rooms when a connection ends.
socket.on("connect", () => {
  setStatus("connected (" + socket.io.engine.transport.name + ")");
  socket.io.engine.once("upgrade", (transport) => setStatus("connected (" + transport.name + ")"));
  if (me) {
    join();
  }
});

socket.on("disconnect", (reason) => setStatus("disconnected: " + reason + " — reconnecting…"));
socket.on("connect_error", (error) => {
  setStatus("cannot connect: " + error.message);
  $("join-error").textContent = "Cannot connect: " + error.message;
});

function join() {
  // emit(..., ack): the server calls back with { ok, room, nick, users } or { ok: false, error }.
  socket.timeout(ACK_TIMEOUT_MS).emit("join", me.nick, me.room, (err, answer) => {
    if (err || !answer.ok) {
      $("join-error").textContent = err ? "The server did not answer." : answer.error;
      return;
    }

    const roomChanged = $("room-name").textContent !== answer.room;
    me = { nick: answer.nick, room: answer.room };
    $("join-error").textContent = "";
    $("join").hidden = true;
    $("chat").hidden = false;
    $("room-name").textContent = answer.room;
    document.title = "#" + answer.room + " — SocketIO.Typed chat";
    if (roomChanged) {
      $("messages").replaceChildren();
      typingNicks.forEach((timer) => clearTimeout(timer));
      typingNicks.clear();
      renderTyping();
      addNotice("You joined #" + answer.room + " as " + answer.nick);
    }
    renderUsers(answer.users);
    $("text").focus();
  });
}

// ------------------------------------------------------------------ sending

$("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) {
    return;
  }

  $("text").value = "";
  stopTyping();
  const item = addMessage({ nick: me.nick, text }, true);
  // The message shows "sending…" until the server's acknowledgement arrives.
  socket.timeout(ACK_TIMEOUT_MS).emit("message", text, (err, answer) => settle(item, err, answer));
});

$("image").addEventListener("change", async () => {
  const file = $("image").files[0];
  $("image").value = "";
  if (!file) {
    return;
  }

  const item = addImage({ nick: me.nick, url: URL.createObjectURL(file) }, true);
  if (file.size > MAX_IMAGE_BYTES) {
    settle(item, null, { ok: false, error: "images are limited to 4 MB" });
    return;
  }

  // An ArrayBuffer argument is sent as a binary attachment, not as base64 text.
  const bytes = await file.arrayBuffer();
  socket.timeout(ACK_TIMEOUT_MS * 3).emit("image", file.type, bytes, (err, answer) => settle(item, err, answer));
});

function settle(item, err, answer) {
  item.classList.remove("pending");
  if (err || !answer.ok) {
    item.classList.add("failed");
    item.querySelector(".state").textContent = err ? "✗ not delivered (no answer)" : "✗ " + answer.error;
  } else {
    item.classList.add("delivered");
    item.querySelector(".state").textContent = "✓ delivered";
    item.querySelector(".meta").textContent = me.nick + " · " + formatTime(answer.time);
  }
}

// ------------------------------------------------------------------ typing indicator

let typingTimer = null;

$("text").addEventListener("input", () => {
  if (typingTimer === null) {
    socket.emit("typing", true);
  } else {
    clearTimeout(typingTimer);
  }
  typingTimer = setTimeout(stopTyping, 2000);
});

function stopTyping() {
  if (typingTimer !== null) {
    clearTimeout(typingTimer);
    typingTimer = null;
    socket.emit("typing", false);
  }
}

socket.on("typing", (nick, isTyping) => setTyping(nick, isTyping));

function setTyping(nick, isTyping) {
  clearTimeout(typingNicks.get(nick));
  typingNicks.delete(nick);
  if (isTyping) {
    // Forget a "typing" whose "stopped" was lost (typing events are volatile).
    typingNicks.set(nick, setTimeout(() => setTyping(nick, false), 5000));
  }
  renderTyping();
}

function renderTyping() {
  const nicks = [...typingNicks.keys()];
  $("typing").textContent =
    nicks.length === 0 ? "" :
    nicks.length === 1 ? nicks[0] + " is typing…" :
    nicks.join(", ") + " are typing…";
}

// ------------------------------------------------------------------ receiving

socket.on("message", (message) => {
  setTyping(message.nick, false);
  addMessage(message, false);
});

// message.data is an ArrayBuffer: the server sent a byte[] as a binary attachment.
socket.on("image", (message) => {
  const url = URL.createObjectURL(new Blob([message.data], { type: message.type }));
  addImage({ nick: message.nick, time: message.time, url, size: message.data.byteLength }, false);
});

socket.on("users", renderUsers);
socket.on("notice", addNotice);

// ------------------------------------------------------------------ rendering (textContent only: no HTML injection)

function addMessage(message, mine) {
  const item = newItem(message, mine);
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message.text;
  item.insertBefore(text, item.querySelector(".state"));
  return append(item);
}

function addImage(message, mine) {
  const item = newItem(message, mine);
  const img = document.createElement("img");
  img.src = message.url;
  img.alt = "image from " + message.nick;
  if (message.size !== undefined) {
    img.dataset.size = message.size;
  }
  item.insertBefore(img, item.querySelector(".state"));
  return append(item);
}

function newItem(message, mine) {
  const item = document.createElement("li");
  item.className = mine ? "mine pending" : "theirs";
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = message.nick + (message.time ? " · " + formatTime(message.time) : "");
  const state = document.createElement("span");
  state.className = "state";
  state.textContent = mine ? "sending…" : "";
  item.append(meta, state);
  return item;
}

function addNotice(text) {
  const item = document.createElement("li");
  item.className = "notice";
  item.textContent = text;
  append(item);
}

function append(item) {
  const list = $("messages");
  list.append(item);
  list.scrollTop = list.scrollHeight;
  return item;
}

function renderUsers(users) {
  $("users").replaceChildren(...users.map((nick) => {
    const item = document.createElement("li");
    item.textContent = nick === me?.nick ? nick + " (you)" : nick;
    return item;
  }));
}

function setStatus(text) {
  $("status").textContent = text;
}

function formatTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
