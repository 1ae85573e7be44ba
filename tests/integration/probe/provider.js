// A real OAuth 2.0 provider (panva's oidc-provider) on loopback HTTPS for the
// revmon probe tests, with a little around it:
//   - the resource-owner password grant (registered as a custom grant), so
//     a canary signs in without a browser; refresh-token rotation on;
//     revocation (RFC 7009) and introspection (RFC 7662) enabled; opaque
//     access tokens, or JWT ones for the resource indicator .../jwt;
//   - REVOKE_DELAY_MS: revocations (RFC 7009 and the admin route) take
//     effect this long after they are answered (propagation);
//   - POST /admin/revoke?user=ID: revoke all of a user's grants;
//   - POST /admin/pushback?path=P&count=N&status=S[&retry_after=R]: the next
//     N requests to path P are answered S (429, 503...), with Retry-After R;
//   - POST /admin/slow?path=P&ms=N: every later request to path P waits N ms
//     before it is handled (a slow resource or token endpoint);
//   - POST /admin/refuse?path=P[&grant=G]: every later request to path P is
//     refused whatever its token (a resource that needs another scope: 401
//     invalid_token), or, with grant=refresh_token on the Entra-like token
//     path, every refresh (400 invalid_grant) while sign-ins still work;
//   - GET /resource: the CAE style (401 with an insufficient_claims challenge
//     for tokens issued before the user's revocation, or no longer valid);
//     GET /resource-plain: accepts a token until it expires;
//   - the Entra-like paths: /{tenant}/oauth2/v2.0/token (client credentials
//     for the Graph app; password and refresh_token forwarded to the
//     provider, errors turned into AADSTS50173 for revoked grants; cp1
//     claims remembered), POST /v1.0/users/{id}/revokeSignInSessions and
//     GET /v1.0/me (CAE style for cp1 tokens, plain otherwise).
//   - JWT_RESOURCES (comma-separated): client credentials of the Graph app
//     for the scope {R}/.default of one of them are issued by the provider
//     itself, as a JWT for audience R signed with the keys of its /jwks (an
//     Event Hubs namespace's token, checked by a broker).
// Configuration by environment: CERT, KEY, CLIENT_SECRET, GRAPH_SECRET,
// CANARY_PASSWORD, REVOKE_DELAY_MS, AT_TTL (s), JWT_RESOURCES, PORT (0 or
// unset: one the kernel picks). It prints {"port": N} once listening. GET /admin/log lists the requests served (method, path, time).
import https from 'node:https';
import fs from 'node:fs';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const env = process.env;
const DELAY = Number(env.REVOKE_DELAY_MS || 0);
const AT_TTL = Number(env.AT_TTL || 3600);
const CLIENT_ID = 'canary-client';
const GRAPH_CLIENT_ID = 'graph-app';
const USERS = { 'canary@contoso.example': env.CANARY_PASSWORD };
const JWT_RESOURCES = (env.JWT_RESOURCES || '').split(',').filter((r) => r);
const revokedAt = new Map();      // accountId -> ms
const grantsOf = new Map();       // accountId -> Set(grantId)
const appTokens = new Set();      // Graph app tokens (client credentials)
const caeTokens = new Set();      // access tokens issued with cp1 (Entra-like)
const log = [];
const pushbacks = new Map();      // path -> { count, status, retryAfter } (POST /admin/pushback)
const slow = new Map();           // path -> ms every request waits (POST /admin/slow)
const refuse = new Map();         // path -> grant refused ('' = every request) (POST /admin/refuse)
const issued = new Map();         // Entra-like: what each access token said when issued
// When each access token was issued, in ms (iat has whole seconds only: a
// token issued just after a revocation, in the same second, is not revoked).
const issuedMs = new Map();       // token value or jti -> ms

const server = https.createServer({ cert: fs.readFileSync(env.CERT), key: fs.readFileSync(env.KEY) });
await new Promise((r) => server.listen(Number(env.PORT || 0), '127.0.0.1', r));
const port = server.address().port;
const issuer = `https://127.0.0.1:${port}`;

const clients = [{
  client_id: CLIENT_ID,
  client_secret: env.CLIENT_SECRET,
  grant_types: ['password', 'refresh_token', 'authorization_code'],
  redirect_uris: ['https://127.0.0.1/cb'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
}];
// The Graph app as the provider's own client, for the JWT resources.
if (JWT_RESOURCES.length) {
  clients.push({
    client_id: GRAPH_CLIENT_ID,
    client_secret: env.GRAPH_SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  });
}
const jwtFormat = (resource) => resource.endsWith('/jwt') || JWT_RESOURCES.includes(resource);

const provider = new Provider(issuer, {
  clients,
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  scopes: ['openid', 'offline_access', 'api'],
  rotateRefreshToken: true,
  ttl: { AccessToken: AT_TTL, RefreshToken: 86400, Grant: 86400, Session: 86400 },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => undefined,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource) => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: AT_TTL,
        accessTokenFormat: jwtFormat(resource) ? 'jwt' : 'opaque',
      }),
    },
    clientCredentials: { enabled: JWT_RESOURCES.length > 0 },
  },
  issueRefreshToken: async () => true,
});
provider.proxy = false;

// Every token value issued, for the tests' leak grep (TOKENS_FILE).
function remember(v) { if (env.TOKENS_FILE && v) fs.appendFileSync(env.TOKENS_FILE, v + '\n'); }
for (const ev of ['access_token.saved', 'access_token.issued', 'refresh_token.saved']) {
  provider.on(ev, (t) => remember(t.jti));
}
for (const ev of ['access_token.saved', 'access_token.issued']) {
  provider.on(ev, (t) => { if (!issuedMs.has(t.jti)) issuedMs.set(t.jti, Date.now()); });
}

// The resource-owner password grant.
provider.registerGrantType('password', async (ctx) => {
  const { username, password, resource } = ctx.oidc.params;
  const client = ctx.oidc.client;
  if (!username || USERS[username] === undefined || USERS[username] !== password) {
    ctx.status = 400;
    ctx.body = { error: 'invalid_grant', error_description: 'wrong user name or password' };
    return;
  }
  const accountId = username;
  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope('openid offline_access');
  if (resource) grant.addResourceScope(resource, 'api');
  const grantId = await grant.save();
  if (!grantsOf.has(accountId)) grantsOf.set(accountId, new Set());
  grantsOf.get(accountId).add(grantId);
  const at = new provider.AccessToken({ accountId, client, grantId, gty: 'password', scope: 'openid offline_access' });
  if (resource) {
    at.resourceServer = new provider.ResourceServer(resource, {
      scope: 'api', audience: resource, accessTokenTTL: AT_TTL,
      accessTokenFormat: resource.endsWith('/jwt') ? 'jwt' : 'opaque',
    });
    at.scope = 'api';
  }
  const rt = new provider.RefreshToken({
    accountId, client, grantId, gty: 'password', scope: 'openid offline_access',
    resource, rotations: 0, iat: Math.floor(Date.now() / 1000),
  });
  const atv = await at.save();
  const rtv = await rt.save();
  remember(atv); remember(rtv);
  ctx.body = {
    access_token: atv,
    refresh_token: rtv,
    expires_in: at.expiration,
    token_type: 'Bearer',
    scope: at.scope,
  };
}, ['username', 'password', 'scope', 'resource']);

async function revokeUser(accountId) {
  revokedAt.set(accountId, Date.now());
  for (const grantId of grantsOf.get(accountId) || []) {
    await provider.AccessToken.revokeByGrantId(grantId);
    await provider.RefreshToken.revokeByGrantId(grantId);
    await provider.Grant.adapter.destroy(grantId);
  }
}

function later(fn) {
  if (DELAY > 0) setTimeout(fn, DELAY); else return fn();
}

function body(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

function send(res, status, obj, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(obj));
}

function bearer(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  return m ? m[1] : null;
}

// What a token says: {sub, iat, exp} from a JWT's payload or the store.
async function tokenInfo(tok) {
  if (issued.has(tok)) return issued.get(tok);
  if (tok.split('.').length === 3) {
    try {
      const p = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString());
      return { sub: p.sub, iat: p.iat, exp: p.exp, jwt: true, ms: issuedMs.get(p.jti) };
    } catch { return null; }
  }
  const at = await provider.AccessToken.find(tok);
  return at ? { sub: at.accountId, iat: at.iat, exp: at.exp, ms: issuedMs.get(tok) } : null;
}

const claimsChallenge = (nbf) => {
  const c = Buffer.from(JSON.stringify({ access_token: { nbf: { essential: true, value: String(nbf) } } })).toString('base64');
  // parameters in an unusual order, and a second (Basic) challenge first
  return [`Basic realm="x"`, `Bearer error="insufficient_claims", claims="${c}", realm="", authorization_uri="${issuer}/authorize"`];
};

async function resource(req, res, cae) {
  const tok = bearer(req);
  const now = Math.floor(Date.now() / 1000);
  const info = tok ? await tokenInfo(tok) : null;
  const rev = info && revokedAt.get(info.sub);
  if (info && cae && rev && (info.ms ?? info.iat * 1000) <= rev) {
    send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'revoked' } },
      { 'www-authenticate': claimsChallenge(Math.floor(rev / 1000)) });
    return;
  }
  if (!info || info.exp <= now) {
    if (cae && tok && !info && tok.split('.').length !== 3) {
      // an opaque token gone from the store: revoked
      send(res, 401, { error: { code: 'InvalidAuthenticationToken' } },
        { 'www-authenticate': claimsChallenge(now) });
      return;
    }
    send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    return;
  }
  send(res, 200, { id: info.sub, userPrincipalName: info.sub });
}

// Forward a token request to the provider on ourselves.
function forward(path, form) {
  return new Promise((resolve, reject) => {
    const data = form.toString();
    const r = https.request({ host: '127.0.0.1', port, path, method: 'POST', ca: fs.readFileSync(env.CA),
      headers: { 'x-internal': '1', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(data) } },
    (resp) => { const c = []; resp.on('data', (d) => c.push(d)); resp.on('end', () => resolve({ status: resp.statusCode, body: Buffer.concat(c).toString() })); });
    r.on('error', reject);
    r.end(data);
  });
}

// Client credentials for a JWT resource: the provider's own grant.
async function jwtAppToken(res, form, resource) {
  const out = new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'api',
                                    client_id: form.get('client_id'), client_secret: form.get('client_secret') });
  const r = await forward('/token', out);
  let j; try { j = JSON.parse(r.body); } catch { j = {}; }
  if (r.status === 200) remember(j.access_token);
  send(res, r.status, j);
}

async function entraToken(req, res, url) {
  const form = new URLSearchParams(await body(req));
  const gt = form.get('grant_type');
  if (gt === 'client_credentials') {
    if (form.get('client_id') !== GRAPH_CLIENT_ID || form.get('client_secret') !== env.GRAPH_SECRET) {
      send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
      return;
    }
    const jwtFor = JWT_RESOURCES.find((r) => form.get('scope') === `${r}/.default`);
    if (jwtFor) return await jwtAppToken(res, form, jwtFor);
    const t = crypto.randomBytes(24).toString('hex');
    appTokens.add(t);
    remember(t);
    send(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: t });
    return;
  }
  if (refuse.get(url.pathname) === gt) {
    send(res, 400, { error: 'invalid_grant', error_description: 'AADSTS700082: The refresh token has expired due to inactivity.', error_codes: [700082] });
    return;
  }
  let cae = false;
  try { cae = JSON.stringify(JSON.parse(form.get('claims') || '{}')).includes('cp1'); } catch { cae = false; }
  const out = new URLSearchParams();
  for (const k of ['grant_type', 'username', 'password', 'refresh_token', 'client_id', 'client_secret']) {
    if (form.get(k) !== null) out.set(k, form.get(k));
  }
  const r = await forward('/token', out);
  let j; try { j = JSON.parse(r.body); } catch { j = {}; }
  if (r.status === 200) {
    remember(j.access_token); remember(j.refresh_token);
    const at = await provider.AccessToken.find(j.access_token);
    if (at) issued.set(j.access_token, { sub: at.accountId, iat: at.iat, exp: at.exp, ms: issuedMs.get(j.access_token) ?? Date.now() });
    if (cae) caeTokens.add(j.access_token);
    send(res, 200, j);
  } else if (j.error === 'invalid_grant' && gt === 'refresh_token') {
    send(res, 400, { error: 'invalid_grant', error_description: 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.', error_codes: [50173] });
  } else if (j.error === 'invalid_grant') {
    send(res, 400, { error: 'invalid_grant', error_description: 'AADSTS50126: Error validating credentials due to invalid username or password.', error_codes: [50126] });
  } else {
    send(res, r.status, j);
  }
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  if (!req.headers['x-internal']) log.push({ method: req.method, path: url.pathname, t: Date.now() });
  try {
    if (url.pathname === '/admin/log') return send(res, 200, log);
    if (url.pathname === '/admin/revoke' && req.method === 'POST') {
      const user = url.searchParams.get('user');
      later(() => revokeUser(user));
      return send(res, 200, { revoked: user, delay_ms: DELAY });
    }
    if (url.pathname === '/admin/pushback' && req.method === 'POST') {
      const q = url.searchParams;
      pushbacks.set(q.get('path'), { count: Number(q.get('count') || 1), status: Number(q.get('status') || 429),
                                     retryAfter: q.get('retry_after') });
      return send(res, 200, {});
    }
    if (url.pathname === '/admin/slow' && req.method === 'POST') {
      slow.set(url.searchParams.get('path'), Number(url.searchParams.get('ms') || 0));
      return send(res, 200, {});
    }
    if (url.pathname === '/admin/refuse' && req.method === 'POST') {
      refuse.set(url.searchParams.get('path'), url.searchParams.get('grant') || '');
      return send(res, 200, {});
    }
    if (refuse.get(url.pathname) === '') {
      return send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    const wait = slow.get(url.pathname);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const pb = pushbacks.get(url.pathname);
    if (pb && pb.count > 0) {
      pb.count -= 1;
      const h = { 'content-type': 'application/json' };
      if (pb.retryAfter !== null) h['retry-after'] = pb.retryAfter;
      res.writeHead(pb.status, h);
      res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
      return;
    }
    if (url.pathname === '/resource') return await resource(req, res, true);
    if (url.pathname === '/resource-plain') return await resource(req, res, false);
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname) && req.method === 'POST') return await entraToken(req, res, url);
    let m = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      if (!appTokens.has(bearer(req))) return send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'no app token' } });
      const user = decodeURIComponent(m[1]);
      if (USERS[user] === undefined) return send(res, 404, { error: { code: 'Request_ResourceNotFound', message: 'no such user' } });
      later(() => revokeUser(user));
      return send(res, 200, { '@odata.context': `${issuer}/v1.0/$metadata#Edm.Boolean`, value: true });
    }
    if (url.pathname === '/v1.0/me') return await resource(req, res, caeTokens.has(bearer(req)));
    if (url.pathname === '/token/revocation' && req.method === 'POST') {
      // RFC 7009: a refresh token revokes its grant (all its tokens, also
      // those rotated from it); answered now, effective after the delay.
      const form = new URLSearchParams(await body(req));
      if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== env.CLIENT_SECRET) {
        return send(res, 401, { error: 'invalid_client' });
      }
      const tok = form.get('token') || '';
      const t = (await provider.RefreshToken.find(tok, { ignoreExpiration: true }))
        || (await provider.AccessToken.find(tok));
      if (t) later(() => revokeUser(t.accountId));
      res.writeHead(200); res.end();
      return;
    }
    return callback(req, res);
  } catch (e) {
    console.error(e);
    if (!res.headersSent) send(res, 500, { error: 'server_error' });
  }
});
process.stdout.write(JSON.stringify({ port }) + '\n');
