import { randomBytes } from 'node:crypto';
import type { CallbackFailure, CallbackFailureKind } from '../services/connect.ts';

/** Minimal HTML escaping for text and attribute values. */
function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export interface Page {
  readonly status: number;
  readonly html: string;
  /** Content-Security-Policy for this page (its inline script runs only with the nonce). */
  readonly csp: string;
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:36rem;margin:10vh auto;padding:0 1.25rem;color:#1f2328}
h1{font-size:1.35rem;margin:0 0 .75rem}p{margin:.5rem 0}.ok{color:#1a7f37}.bad{color:#cf222e}a{color:#0969da}code{font-size:.85em;color:#57606a}`;

function page(status: number, title: string, body: string, script: string | null): Page {
  const nonce = randomBytes(16).toString('base64');
  const csp = [`default-src 'none'`, `style-src 'nonce-${nonce}'`, script ? `script-src 'nonce-${nonce}'` : null, `base-uri 'none'`, `form-action 'none'`, `frame-ancestors 'none'`]
    .filter((d) => d !== null)
    .join('; ');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · Tether</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main>${body}</main>${script ? `<script nonce="${nonce}">${script}</script>` : ''}</body></html>`;
  return { status, html, csp };
}

/**
 * Success: tell the opener (the Tether UI that opened this popup) and close, or go to the UI
 * when there is no opener (popup blocked → full-page redirect). The message is posted with the
 * exact target origin PUBLIC_ORIGIN, never `*`, so no other site can read it.
 */
export function successPage(input: { publicOrigin: string; connectionId: string; workspaceId: string; providerName: string; reconnected: boolean }): Page {
  const message = { type: 'tether:connected', connectionId: input.connectionId };
  const back = `/?workspace=${encodeURIComponent(input.workspaceId)}&connected=${encodeURIComponent(input.connectionId)}`;
  // JSON.stringify output is safe inside a script once `<` is escaped (no `</script>` breakout).
  const js = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
  const script = `(function(){var o=window.opener;if(o&&!o.closed){try{o.postMessage(${js(message)},${js(input.publicOrigin)});}catch(e){}window.close();setTimeout(function(){location.replace(${js(back)});},1500);}else{location.replace(${js(back)});}})();`;
  const verb = input.reconnected ? 'reconnected' : 'connected';
  return page(
    200,
    `${input.providerName} ${verb}`,
    `<h1 class="ok">${esc(input.providerName)} ${verb}</h1><p>You can close this window. <a href="${esc(back)}">Back to Tether</a></p>`,
    script,
  );
}

interface Wording {
  readonly title: string;
  readonly what: string;
  readonly next: string;
  readonly status: number;
}

function wording(kind: CallbackFailureKind, provider: string): Wording {
  const again = 'Start again from Integrations → Connect.';
  switch (kind) {
    case 'missing_state':
      return { status: 400, title: 'This link is incomplete', what: `The answer from ${provider} did not say which connect attempt it belongs to, so Tether could not use it.`, next: again };
    case 'unknown_state':
      return { status: 400, title: 'This connect link is not known', what: 'Tether has no record of this connect attempt. The link may be altered, or it was started on another Tether instance.', next: again };
    case 'used_state':
      return { status: 400, title: 'This connect link was already used', what: 'Each connect link works only once. If your connection does not appear in Tether, the first attempt did not finish.', next: again };
    case 'expired_state':
      return { status: 400, title: 'This connect link has expired', what: 'Connect links are valid for 10 minutes, and this one is older.', next: again };
    case 'missing_binding':
      return {
        status: 400,
        title: 'Finish connecting in the browser where you started',
        what: 'This connect was started in another browser or window, or this browser blocked Tether’s cookie. To protect your account, Tether refused it.',
        next: `Start again from Integrations → Connect in this browser, and allow cookies for this site.`,
      };
    case 'denied':
      return { status: 400, title: 'Access was not granted', what: `${provider} reported that access was declined, so no connection was made.`, next: `Connect again and choose Allow when ${provider} asks.` };
    case 'admin_approval':
      return { status: 400, title: 'An administrator must approve this app first', what: `Your organisation’s ${provider} settings require an administrator to approve Tether before you can connect.`, next: 'Ask your administrator to approve the app, then connect again.' };
    case 'issuer_mismatch':
      return { status: 400, title: 'The answer did not come from the expected provider', what: `The sign-in answer named a different issuer than ${provider}, which can mean someone tried to mix up sign-ins. Tether did not trust it.`, next: again };
    case 'token_exchange':
      return { status: 502, title: `${provider} did not complete the connection`, what: `Tether could not exchange the sign-in for tokens at ${provider}.`, next: `Try again. If it keeps failing, ask your Tether administrator to check the OAuth credentials for ${provider} (Admin → OAuth credentials).` };
    case 'provider_unavailable':
      return { status: 503, title: `${provider} is not answering`, what: `${provider} could not be reached or had a temporary problem.`, next: 'Wait a few minutes and connect again.' };
    case 'misconfigured':
      return { status: 502, title: `${provider} is not set up correctly`, what: `The OAuth app for ${provider} on this Tether instance is missing or rejected by the provider.`, next: 'Ask your Tether administrator to check it under Admin → OAuth credentials.' };
    case 'access_revoked':
      return { status: 403, title: 'You can no longer reconnect this connection', what: 'Since you started, the connection stopped being shared with you (or you left the workspace), so nothing was changed.', next: 'Ask the connection’s owner to reconnect it.' };
    case 'workspace_access':
      return { status: 403, title: 'You can no longer connect accounts in this workspace', what: 'Since you started, you left the workspace (or it no longer has the Workspace plan), so nothing was saved.', next: 'Ask a workspace owner or admin for access, then connect again.' };
    case 'account_mismatch':
      return { status: 409, title: 'You signed in with a different account', what: `The ${provider} account you just used is not the one this connection belongs to, so nothing was changed.`, next: 'Reconnect with the original account, or confirm the account change when you start the reconnect.' };
  }
}

/** Failure: what happened and what to do, in plain words; nothing was saved. */
export function failurePage(f: CallbackFailure): Page {
  const provider = f.providerName ?? 'the provider';
  const w = wording(f.kind, provider);
  const reason = f.reason ? `<p>${esc(f.reason)}</p>` : '';
  const code = f.code ? `<p><code>Provider code: ${esc(f.code)}</code></p>` : '';
  return page(
    w.status,
    w.title,
    `<h1 class="bad">${esc(w.title)}</h1><p>${esc(w.what)}</p>${reason}<p><strong>What to do:</strong> ${esc(w.next)}</p><p>No connection was created or changed.</p>${code}<p><a href="/">Back to Tether</a></p>`,
    null,
  );
}
