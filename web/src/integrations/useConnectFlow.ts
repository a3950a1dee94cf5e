import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection } from '../types.ts';
import { connectionsKey, fetchConnections } from './queries.ts';

/** What `POST …/connect` and `POST …/reconnect` answer. */
export interface Started {
  authorizationUrl: string;
  expiresAt: string;
}

/** One connect or reconnect in progress: the popup and what to say when it ends. */
interface Flow {
  popup: Window | null;
  /** "Google", used in "Google connected". */
  label: string;
  verb: 'connected' | 'reconnected';
  /** Ids listed before the flow started, to recognise a new connection if the message never arrives. */
  before: Set<string>;
  reconnectId: string | null;
}

export type FlowNote = { tone: 'success' | 'info'; text: string };

const POPUP_FEATURES = 'popup,width=520,height=680';
/** The callback page posts its message and then closes: give the message time to land first. */
const CLOSE_GRACE_MS = 800;

/**
 * The popup connect flow (SPEC §3): the popup is opened synchronously in the click handler
 * (browsers block popups opened after an `await`), then pointed at the provider once the API
 * answers with the authorization URL. The callback page posts `{type: 'tether:connected'}` to
 * this window. A blocked popup falls back to a full-page redirect, which comes back with
 * `?connected=<id>` (handled by the page).
 */
export function useConnectFlow(ws: string) {
  const queryClient = useQueryClient();
  const flow = useRef<Flow | null>(null);
  const [waiting, setWaiting] = useState<string | null>(null);
  const [note, setNote] = useState<FlowNote | null>(null);
  const [error, setError] = useState<unknown>(null);

  const refresh = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: connectionsKey(ws) });
    await queryClient.invalidateQueries({ queryKey: ['workflows'] });
  }, [queryClient, ws]);

  const finish = useCallback(
    (current: Flow, result: FlowNote) => {
      if (flow.current !== current) return;
      flow.current = null;
      setWaiting(null);
      setNote(result);
      void refresh();
    },
    [refresh],
  );

  // The callback page's message: only from our own origin, only of our type.
  useEffect(() => {
    const onMessage = (event: MessageEvent<unknown>) => {
      if (event.origin !== window.location.origin) return;
      const data = event.data;
      if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'tether:connected') return;
      const current = flow.current;
      if (current) finish(current, { tone: 'success', text: `${current.label} ${current.verb}` });
      else void refresh();
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [finish, refresh]);

  // A popup closed without a message: the person gave up, or the provider refused. Before
  // saying so, look once more: if the message was lost (e.g. Tether reached under another
  // origin than PUBLIC_ORIGIN), a new connection still shows the connect worked.
  const closedWithoutMessage = useCallback(
    async (current: Flow) => {
      let created: Connection | undefined;
      try {
        const list = await fetchConnections(ws);
        created = current.reconnectId ? undefined : list.find((c) => !current.before.has(c.id));
      } catch {
        // the note below is still right
      }
      finish(current, created ? { tone: 'success', text: `${current.label} ${current.verb}` } : { tone: 'info', text: 'Connection not completed' });
    },
    [finish, ws],
  );

  useEffect(() => {
    if (waiting === null) return;
    const timer = window.setInterval(() => {
      const current = flow.current;
      if (!current?.popup?.closed) return;
      window.clearInterval(timer);
      window.setTimeout(() => void closedWithoutMessage(current), CLOSE_GRACE_MS);
    }, 500);
    return () => window.clearInterval(timer);
  }, [waiting, closedWithoutMessage]);

  /** Must be called straight from a click or submit handler (no `await` before it). */
  const start = (opts: { label: string; reconnectId?: string; request: () => Promise<Started> }) => {
    setError(null);
    setNote(null);
    const popup = window.open('', 'tether-connect', POPUP_FEATURES);
    if (popup) {
      try {
        popup.document.title = `Connecting ${opts.label}…`;
        popup.document.body.textContent = `Opening ${opts.label}…`;
      } catch {
        // a window of another origin with the same name was reused; it is navigated below anyway
      }
    }
    const before = new Set((queryClient.getQueryData<Connection[]>(connectionsKey(ws)) ?? []).map((c) => c.id));
    const current: Flow = { popup, label: opts.label, verb: opts.reconnectId ? 'reconnected' : 'connected', before, reconnectId: opts.reconnectId ?? null };
    flow.current = current;
    setWaiting(opts.label);
    void opts.request().then(
      ({ authorizationUrl }) => {
        if (flow.current !== current) return;
        if (!popup) {
          // Popup blocked: the whole page goes to the provider and the callback brings it back.
          window.location.assign(authorizationUrl);
          return;
        }
        if (popup.closed) return; // the interval reports "not completed"
        popup.location.href = authorizationUrl;
        popup.focus();
      },
      (err: unknown) => {
        popup?.close();
        if (flow.current === current) {
          flow.current = null;
          setWaiting(null);
        }
        setError(err);
      },
    );
  };

  const cancel = () => {
    const current = flow.current;
    if (!current) return;
    current.popup?.close();
    flow.current = null;
    setWaiting(null);
    setNote({ tone: 'info', text: 'Connection not completed' });
  };

  const focusPopup = () => flow.current?.popup?.focus();

  return { start, cancel, focusPopup, waiting, note, setNote, error, setError };
}
