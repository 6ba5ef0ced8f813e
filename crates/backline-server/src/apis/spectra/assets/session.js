// The player-cam session page (session.html): reads the secret from the URL fragment or the
// form, lists the session's players and saves their camera and display name.
"use strict";
const identifier = decodeURIComponent(location.pathname.split("/").pop());
const api = location.pathname.replace(/\/session\/[^/]+$/, "/api/session/") + encodeURIComponent(identifier);
let secret = new URLSearchParams(location.hash.slice(1)).get("secret") || "";

function say(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: { "X-Session-Secret": secret, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.message || response.statusText);
  return data;
}

function row(player) {
  const tr = document.createElement("tr");
  const name = document.createElement("td");
  name.textContent = player.full_name;
  const camera = document.createElement("input");
  camera.type = "checkbox";
  camera.checked = player.camera_enabled;
  const display = document.createElement("input");
  display.type = "text";
  display.value = player.display_name || "";
  display.placeholder = "(no override)";
  const save = document.createElement("button");
  save.textContent = "Save";
  save.onclick = () => change(player.full_name, camera.checked, display.value);
  for (const element of [camera, display, save]) {
    const td = document.createElement("td");
    td.appendChild(element);
    tr.appendChild(td);
  }
  tr.prepend(name);
  return tr;
}

async function load() {
  const data = await call("GET", "/players");
  document.getElementById("expires").textContent = "Session " + data.session.identifier + ", valid until " + new Date(data.session.expires_at).toLocaleString();
  const body = document.getElementById("players");
  body.replaceChildren(...data.players.map(row));
  document.getElementById("unlock").classList.add("hidden");
  document.getElementById("editor").classList.remove("hidden");
}

async function change(fullName, cameraEnabled, displayName) {
  try {
    await call("PUT", "/players/" + encodeURIComponent(fullName), {
      camera_enabled: cameraEnabled,
      display_name: displayName.trim() === "" ? null : displayName,
    });
    say("Saved " + fullName + ".");
    await load();
  } catch (error) {
    say(error.message, true);
  }
}

document.getElementById("unlock").onsubmit = async (event) => {
  event.preventDefault();
  secret = document.getElementById("secret").value;
  try { await load(); say(""); } catch (error) { say(error.message, true); }
};
document.getElementById("add").onclick = () => change(
  document.getElementById("new-name").value.trim(),
  document.getElementById("new-camera").checked,
  document.getElementById("new-display").value,
);
if (secret) load().catch((error) => say(error.message, true));
