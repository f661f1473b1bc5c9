// The chat page, in TypeScript over the official socket.io-client (the global `io` of lib/socket.io.min.js), typed
// from the C# contracts of samples/Chat.Contracts: the build writes their declarations to generated/contracts.d.ts,
// so a contract change that this page does not follow fails the build.
import type { Socket } from "socket.io-client";
import type { ChatImage, ChatMessage, ClientToServerEvents, JoinReply, SendReply, ServerToClientEvents } from "./generated/contracts";

declare const io: typeof import("socket.io-client").io;

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) {
    throw new Error("no element #" + id);
  }
  return element as T;
}

const ACK_TIMEOUT_MS = 10000;
const MAX_IMAGE_BYTES = 4 * 1024 * 1024; // the server's limit (Program.cs)

// Same origin, default path /socket.io/. Connect once the user has chosen a nickname.
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ autoConnect: false });

interface Me { nick: string; room: string; }
let me: Me | null = null;                                          // once joined
let usersEvents = 0;                                               // "users" events received so far
const typingNicks = new Map<string, ReturnType<typeof setTimeout>>(); // nick -> timer that hides a stale "typing…"

// ------------------------------------------------------------------ joining

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  me = { nick: $<HTMLInputElement>("nick").value.trim(), room: $<HTMLInputElement>("room").value.trim() || "general" };
  if (socket.connected) {
    join();
  } else {
    socket.connect(); // the "connect" handler joins
  }
});

$("switch-room").addEventListener("click", () => {
  $("chat").hidden = true;
  $("join").hidden = false;
  $<HTMLInputElement>("room").focus();
  $<HTMLInputElement>("room").select();
});

// On every (re)connection, (re)join: the server forgets rooms when a connection ends.
socket.on("connect", () => {
  setStatus("connected (" + socket.io.engine.transport.name + ")");
  socket.io.engine.once("upgrade", (transport: { name: string }) => setStatus("connected (" + transport.name + ")"));
  if (me) {
    join();
  }
});

socket.on("disconnect", (reason) => {
  setStatus("disconnected: " + reason + " — reconnecting…");
  // Nobody is known to be here until the rejoin answers with the room's users again.
  renderUsers([]);
});
socket.on("connect_error", (error) => {
  setStatus("cannot connect: " + error.message);
  $("join-error").textContent = "Cannot connect: " + error.message;
});

function join(): void {
  if (me === null) {
    return;
  }

  // emit(..., ack): the server calls back with a JoinReply: { ok, room, nick, users } or { ok: false, error }.
  const usersBefore = usersEvents;
  socket.timeout(ACK_TIMEOUT_MS).emit("join", me.nick, me.room, (err: Error | null, answer: JoinReply) => {
    if (err || !answer.ok || answer.room == null || answer.nick == null) {
      $("join-error").textContent = err ? "The server did not answer." : answer.error ?? "refused";
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
    // The room's "users" events are newer than this answer when one came in the meantime (someone else joined while
    // this join was answered): the answer's list is then stale.
    if (usersEvents === usersBefore) {
      renderUsers(answer.users ?? []);
    }

    $("text").focus();
  });
}

// ------------------------------------------------------------------ sending

$("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>("text");
  const text = input.value.trim();
  if (!text || me === null) {
    return;
  }

  input.value = "";
  stopTyping();
  const item = addMessage({ nick: me.nick, text }, true);
  // The message shows "sending…" until the server's acknowledgement (a SendReply) arrives.
  socket.timeout(ACK_TIMEOUT_MS).emit("message", text, (err: Error | null, answer: SendReply) => settle(item, err, answer));
});

$<HTMLInputElement>("image").addEventListener("change", async () => {
  const picker = $<HTMLInputElement>("image");
  const file = picker.files?.[0];
  picker.value = "";
  if (!file || me === null) {
    return;
  }

  const item = addImage({ nick: me.nick, url: URL.createObjectURL(file) }, true);
  if (file.size > MAX_IMAGE_BYTES) {
    settle(item, null, { ok: false, error: "images are limited to 4 MB" });
    return;
  }

  // An ArrayBuffer argument is sent as a binary attachment, not as base64 text.
  const bytes = await file.arrayBuffer();
  socket.timeout(ACK_TIMEOUT_MS * 3).emit("image", file.type, bytes, (err: Error | null, answer: SendReply) => settle(item, err, answer));
});

function settle(item: HTMLLIElement, err: Error | null, answer: SendReply): void {
  item.classList.remove("pending");
  const state = item.querySelector(".state")!;
  if (err || !answer.ok) {
    item.classList.add("failed");
    state.textContent = err ? "✗ not delivered (no answer)" : "✗ " + (answer.error ?? "refused");
  } else {
    item.classList.add("delivered");
    state.textContent = "✓ delivered";
    item.querySelector(".meta")!.textContent = (me?.nick ?? "") + " · " + formatTime(answer.time ?? new Date().toISOString());
  }
}

// ------------------------------------------------------------------ typing indicator

let typingTimer: ReturnType<typeof setTimeout> | null = null;

$("text").addEventListener("input", () => {
  if (typingTimer === null) {
    socket.emit("typing", true);
  } else {
    clearTimeout(typingTimer);
  }
  typingTimer = setTimeout(stopTyping, 2000);
});

function stopTyping(): void {
  if (typingTimer !== null) {
    clearTimeout(typingTimer);
    typingTimer = null;
    socket.emit("typing", false);
  }
}

socket.on("typing", (nick, isTyping) => setTyping(nick, isTyping));

function setTyping(nick: string, isTyping: boolean): void {
  clearTimeout(typingNicks.get(nick));
  typingNicks.delete(nick);
  if (isTyping) {
    // Forget a "typing" whose "stopped" was lost (typing events are volatile).
    typingNicks.set(nick, setTimeout(() => setTyping(nick, false), 5000));
  }
  renderTyping();
}

function renderTyping(): void {
  const nicks = [...typingNicks.keys()];
  $("typing").textContent =
    nicks.length === 0 ? "" :
    nicks.length === 1 ? nicks[0] + " is typing…" :
    nicks.join(", ") + " are typing…";
}

// ------------------------------------------------------------------ receiving

socket.on("message", (message: ChatMessage) => {
  setTyping(message.nick, false);
  addMessage(message, false);
});

// image.data is an ArrayBuffer: the server sent a byte[] as a binary attachment.
socket.on("image", (image: ChatImage) => {
  const url = URL.createObjectURL(new Blob([image.data as BlobPart], { type: image.type }));
  addImage({ nick: image.nick, time: image.time, url, size: image.data.byteLength }, false);
});

socket.on("users", (users: string[]) => {
  usersEvents++;
  renderUsers(users);
});
socket.on("notice", addNotice);

// ------------------------------------------------------------------ rendering (textContent only: no HTML injection)

interface Shown { nick: string; time?: string; }

function addMessage(message: Shown & { text: string }, mine: boolean): HTMLLIElement {
  const item = newItem(message, mine);
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message.text;
  item.insertBefore(text, item.querySelector(".state"));
  return append(item);
}

function addImage(message: Shown & { url: string; size?: number }, mine: boolean): HTMLLIElement {
  const item = newItem(message, mine);
  const img = document.createElement("img");
  img.src = message.url;
  img.alt = "image from " + message.nick;
  if (message.size !== undefined) {
    img.dataset.size = String(message.size);
  }
  item.insertBefore(img, item.querySelector(".state"));
  return append(item);
}

function newItem(message: Shown, mine: boolean): HTMLLIElement {
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

function addNotice(text: string): void {
  const item = document.createElement("li");
  item.className = "notice";
  item.textContent = text;
  append(item);
}

function append(item: HTMLLIElement): HTMLLIElement {
  const list = $("messages");
  list.append(item);
  list.scrollTop = list.scrollHeight;
  return item;
}

function renderUsers(users: string[]): void {
  $("users").replaceChildren(...users.map((nick) => {
    const item = document.createElement("li");
    item.textContent = nick === me?.nick ? nick + " (you)" : nick;
    return item;
  }));
}

function setStatus(text: string): void {
  $("status").textContent = text;
}

function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
