// Drives Backline with the unmodified @heroiclabs/nakama-js client.
// Usage: node conformance.mjs HOST PORT SERVER_KEY HTTP_KEY BOT_CUSTOM_ID IDLE_MATCH_ID
// Prints one JSON line per step; exits non-zero on the first unexpected outcome.
import { Client } from "@heroiclabs/nakama-js";

const [host, port, serverKey, httpKey, botCustomId, idleMatchId] = process.argv.slice(2);
const client = new Client(serverKey, host, port, false, 10000, false);

function step(name, detail) {
  console.log(JSON.stringify({ step: name, ...detail }));
}

function fail(name, error) {
  console.log(JSON.stringify({ step: name, error: String(error && (error.status || error.message || error)) }));
  process.exit(1);
}

async function expectStatus(name, promise, status) {
  try {
    await promise;
  } catch (response) {
    if (response && response.status === status) {
      step(name, { status });
      return;
    }
    fail(name, response);
  }
  fail(name, "expected HTTP " + status + " but the call succeeded");
}

try {
  const custom = await client.authenticateCustom("nakama-js-custom-1", true, "jsuser", { platform: "node" });
  if (!custom.token || custom.username !== "jsuser" || !custom.user_id || custom.vars.platform !== "node") {
    fail("authenticateCustom", "unexpected session " + JSON.stringify(custom));
  }
  step("authenticateCustom", { created: custom.created, username: custom.username, user_id: custom.user_id });

  const again = await client.authenticateCustom("nakama-js-custom-1", false);
  if (again.user_id !== custom.user_id || again.created) fail("authenticateCustom again", "different user");
  step("authenticateCustom again", { created: again.created });

  const device = await client.authenticateDevice("nakama-js-device-0001", true);
  if (!device.created) fail("authenticateDevice", "not created");
  step("authenticateDevice", { created: device.created, user_id: device.user_id });

  const account = await client.getAccount(custom);
  if (account.user.id !== custom.user_id || account.custom_id !== "nakama-js-custom-1") fail("getAccount", JSON.stringify(account));
  step("getAccount", { username: account.user.username, custom_id: account.custom_id });

  const oldToken = custom.token;
  await new Promise((r) => setTimeout(r, 1100));
  const refreshed = await client.sessionRefresh(custom, { platform: "refreshed" });
  if (refreshed.token === oldToken || refreshed.user_id !== custom.user_id || refreshed.vars.platform !== "refreshed") {
    fail("sessionRefresh", "token not renewed");
  }
  step("sessionRefresh", { vars: refreshed.vars });

  const lookup = await client.rpc(refreshed, "account/lookup", { user_id: custom.user_id });
  if (lookup.payload.id !== custom.user_id || lookup.payload.username !== "jsuser") fail("rpc account/lookup", JSON.stringify(lookup));
  step("rpc account/lookup", { id: lookup.id, username: lookup.payload.username });

  const viaKey = await client.apiClient.rpcFunc("", "account/lookup", JSON.stringify({ username: "jsuser" }), httpKey);
  const viaKeyPayload = JSON.parse(viaKey.payload);
  if (viaKeyPayload.id !== custom.user_id) fail("rpcFunc http key", JSON.stringify(viaKey));
  step("rpcFunc http key", { username: viaKeyPayload.username });

  await expectStatus("rpcFunc wrong http key", client.apiClient.rpcFunc("", "account/lookup", JSON.stringify({ username: "jsuser" }), "wrong"), 401);

  const bot = await client.authenticateCustom(botCustomId, false);
  const prepared = await client.rpc(bot, "match/prepare", { id: idleMatchId, mode: "echo_arena_private", team_size: 4 });
  if (prepared.payload.id !== idleMatchId || prepared.payload.label.lobby_type !== "private" || prepared.payload.label.player_limit !== 8) {
    fail("rpc match/prepare", JSON.stringify(prepared));
  }
  step("rpc match/prepare", { id: prepared.id, mode: prepared.payload.label.mode, signal: JSON.parse(prepared.payload.signal_payload).Signal });

  await expectStatus("rpc match/prepare by a non-bot", client.rpc(refreshed, "match/prepare", { id: idleMatchId, mode: "echo_arena" }), 403);

  const loggedOut = await client.sessionLogout(refreshed, refreshed.token, refreshed.refresh_token);
  step("sessionLogout", { ok: loggedOut });
  await expectStatus("rpc after logout", client.rpc(refreshed, "account/lookup", { user_id: custom.user_id }), 401);
  await expectStatus("getAccount after logout", client.getAccount(refreshed), 401);
  await expectStatus("sessionRefresh after logout", client.sessionRefresh(refreshed), 401);
  step("done", {});
} catch (error) {
  fail("unexpected", error);
}
