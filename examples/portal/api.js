// The only server calls the portal makes: POST /graphql with the bearer token, and (in development)
// the demo people. The token lives in sessionStorage for this tab only, never in a URL.

const TOKEN_KEY = "cc-portal-token";
const TENANT_KEY = "cc-portal-tenant"; // vendor staff only: the tenant they act in (X-Tenant)
// vendor staff only: the language they read in, sent as Accept-Language (they have no person row
// whose locale setMyLocale could keep)
const LANGUAGE_KEY = "cc-portal-language";

function kept(key, value) {
  if (value) sessionStorage.setItem(key, value);
  else sessionStorage.removeItem(key);
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  },
  set token(value) {
    kept(TOKEN_KEY, value);
  },
  get tenant() {
    return sessionStorage.getItem(TENANT_KEY) || "";
  },
  set tenant(value) {
    kept(TENANT_KEY, value);
  },
  get language() {
    return sessionStorage.getItem(LANGUAGE_KEY) || "";
  },
  set language(value) {
    kept(LANGUAGE_KEY, value);
  },
};

/** Answers {data, errors} — partial results included — or throws on a transport failure. */
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (session.tenant) headers["X-Tenant"] = session.tenant;
  if (session.language) headers["Accept-Language"] = session.language;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`The server answered ${response.status}`);
  }
  return { data: body.data || null, errors: body.errors || [] };
}

/** The errors of a result under one root field (its path starts there). */
export function errorsAt(result, root) {
  return result.errors.filter((e) => Array.isArray(e.path) && e.path[0] === root);
}

/** Development only: the demo people with a token each; null when the server has no such endpoint. */
export async function demoPeople() {
  try {
    const response = await fetch("/portal/dev/people", { credentials: "omit" });
    return response.ok ? (await response.json()).people : null;
  } catch {
    return null;
  }
}

export function newKey() {
  return crypto.randomUUID();
}
