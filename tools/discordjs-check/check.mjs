// Runs discord.js's own clients (@discordjs/rest, @discordjs/ws) against PaperBot's fake Discord.
// Driven by PaperBot.Discord.Tests (DiscordJsFaithfulnessTests), which starts the fake, reads the JSON
// lines printed here and scripts the fake (op 7 after "ready"). Environment:
//   FAKE_API   http://127.0.0.1:<port>/api   (the fake's REST base, without /v10)
//   FAKE_TOKEN the bot token the fake accepts
//   CHANNEL_ID a channel id to post to
import { REST, RESTEvents } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';

const print = (event, data = {}) => console.log(JSON.stringify({ event, ...data }));
const { FAKE_API, FAKE_TOKEN, CHANNEL_ID } = process.env;
if (!FAKE_API || !FAKE_TOKEN || !CHANNEL_ID) {
  console.error('FAKE_API, FAKE_TOKEN and CHANNEL_ID are required');
  process.exit(2);
}

const timer = setTimeout(() => { print('timeout'); process.exit(1); }, 45_000);

const rest = new REST({ api: FAKE_API, version: '10', retries: 3, timeout: 10_000 }).setToken(FAKE_TOKEN);
let rateLimited = 0;
rest.on(RESTEvents.RateLimited, (info) => { rateLimited++; print('rateLimited', { scope: info.scope, retryAfter: info.retryAfter, global: info.global }); });

// REST: four messages into a bucket of two per second, the first answered with a scripted 429.
const started = Date.now();
for (let i = 0; i < 4; i++) {
  await rest.post(`/channels/${CHANNEL_ID}/messages`, { body: { content: `discord.js message ${i}`, allowed_mentions: { parse: [] } } });
}
print('rest-done', { count: 4, rateLimited, ms: Date.now() - started });

// Gateway: connect, identify, then resume when the fake sends op 7.
const manager = new WebSocketManager({ token: FAKE_TOKEN, intents: 1, rest, compression: null, helloTimeout: 10_000, readyTimeout: 10_000 });
manager.on(WebSocketShardEvents.Ready, (data) => print('ready', { sessionId: data.session_id }));
manager.on(WebSocketShardEvents.Resumed, async () => {
  print('resumed');
  clearTimeout(timer);
  await manager.destroy({ code: 1000 });
  process.exit(0);
});
manager.on(WebSocketShardEvents.Closed, (code) => print('closed', { code }));
manager.on(WebSocketShardEvents.Error, (error) => print('error', { message: String(error?.message ?? error) }));
await manager.connect();
