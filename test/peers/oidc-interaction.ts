import type { Interaction, InteractionResults, Provider } from 'oidc-provider';

/** What the simulated End-User does on the authorization server's login/consent screen. */
export interface AuthorizeDecision {
  /** Who signs in; defaults to the peer's first account. Must be a known account. */
  readonly accountId?: string;
  /**
   * Refuse the request. `true` answers `access_denied`; an object picks the error code (e.g.
   * `consent_required`) and description the client's callback receives.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
   */
  readonly deny?: true | { readonly error: string; readonly description?: string };
  /**
   * The requested scopes the user leaves ticked; every other requested scope is rejected,
   * so it is missing from the token response's `scope`. Default: all requested scopes.
   */
  readonly grantScopes?: readonly string[];
}

/**
 * Turn a decision into oidc-provider's interaction result. Login and consent are resolved in
 * one go — the library expects all pending prompts to be answered by a single
 * `interactionFinished` — by creating a Grant that holds the ticked scopes and rejects the rest.
 * @see https://github.com/panva/node-oidc-provider/blob/v8.8.1/docs/README.md#user-flows
 */
export async function interactionResult(
  provider: Provider,
  details: Interaction,
  decision: AuthorizeDecision,
  defaultAccountId: string,
): Promise<InteractionResults> {
  if (decision.deny) {
    const deny: { readonly error: string; readonly description?: string } =
      decision.deny === true ? { error: 'access_denied' } : decision.deny;
    return {
      error: deny.error,
      error_description: deny.description ?? 'End-User refused the authorization request',
    };
  }

  // An existing session (a second interaction in the same flow) keeps its account.
  const accountId = details.session?.accountId ?? decision.accountId ?? defaultAccountId;
  const clientId = String(details.params.client_id);
  const requested = typeof details.params.scope === 'string'
    ? details.params.scope.split(' ').filter((scope) => scope !== '')
    : [];
  const ticked = decision.grantScopes ? new Set(decision.grantScopes) : null;
  const granted = ticked ? requested.filter((scope) => ticked.has(scope)) : requested;
  const rejected = requested.filter((scope) => !granted.includes(scope));

  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  if (granted.length > 0) grant.addOIDCScope(granted.join(' '));
  if (rejected.length > 0) grant.rejectOIDCScope(rejected.join(' '));
  const grantId = await grant.save();

  return {
    ...(details.session?.accountId === undefined ? { login: { accountId } } : {}),
    consent: existing ? {} : { grantId },
  };
}
