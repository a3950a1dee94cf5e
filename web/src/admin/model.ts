// The admin OAuth credentials form as data: what it shows, and what it sends. Kept apart from
// the components so the "send only overridden fields" rule is in one readable place.

/** `GET /api/v1/admin/oauth-apps` entries (API.md), as far as the form needs them. */
export interface OAuthApp {
  domain: string;
  displayName: string;
  builtIn: boolean;
  clientId: string;
  /** Never the secret: `•••• last4`. */
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string;
  revocationUrl?: string;
  userinfoUrl?: string;
  issuer?: string;
  apiBaseUrl?: string;
  authorizeParams: Record<string, string>;
  tenant?: string;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  updatedAt: string;
}

export interface OAuthAppsPage {
  redirectUri: string;
  apps: OAuthApp[];
}

/** `GET /api/v1/admin/provider-templates`: a built-in domain's catalog endpoints and default scopes. */
export interface ProviderTemplate {
  domain: string;
  displayName: string;
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl?: string;
  userinfoUrl?: string;
  issuer?: string;
  apiBaseUrl?: string;
  scopes: string;
  tenant?: string;
}

export const CUSTOM = '__custom';

export const urlFields = [
  { key: 'authorizeUrl', label: 'Authorize URL', required: true },
  { key: 'tokenUrl', label: 'Token URL', required: true },
  { key: 'revocationUrl', label: 'Revocation URL', required: false },
  { key: 'userinfoUrl', label: 'Userinfo URL', required: false },
  { key: 'issuer', label: 'Issuer', required: false },
  { key: 'apiBaseUrl', label: 'API base URL', required: false },
] as const;

export type UrlKey = (typeof urlFields)[number]['key'];

export interface FormValues {
  /** A built-in domain, or CUSTOM. */
  provider: string;
  domain: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  tenant: string;
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  userinfoUrl: string;
  issuer: string;
  apiBaseUrl: string;
}

export const emptyValues: FormValues = {
  provider: '',
  domain: '',
  clientId: '',
  clientSecret: '',
  scopes: '',
  tenant: '',
  authorizeUrl: '',
  tokenUrl: '',
  revocationUrl: '',
  userinfoUrl: '',
  issuer: '',
  apiBaseUrl: '',
};

type EndpointSource = Pick<ProviderTemplate, 'scopes' | 'authorizeUrl' | 'tokenUrl'> & Partial<Pick<ProviderTemplate, 'tenant' | 'revocationUrl' | 'userinfoUrl' | 'issuer' | 'apiBaseUrl'>>;

/** The scope and endpoint fields, from a catalog template or a stored app (same names in both). */
function endpointValues(src: EndpointSource): Pick<FormValues, 'scopes' | 'tenant' | 'authorizeUrl' | 'tokenUrl' | 'revocationUrl' | 'userinfoUrl' | 'issuer' | 'apiBaseUrl'> {
  return {
    scopes: src.scopes,
    tenant: src.tenant ?? '',
    authorizeUrl: src.authorizeUrl,
    tokenUrl: src.tokenUrl,
    revocationUrl: src.revocationUrl ?? '',
    userinfoUrl: src.userinfoUrl ?? '',
    issuer: src.issuer ?? '',
    apiBaseUrl: src.apiBaseUrl ?? '',
  };
}

/** The values a built-in provider's template pre-fills (keeping what identifies the app). */
export function fromTemplate(values: FormValues, t: ProviderTemplate): FormValues {
  return { ...values, provider: t.domain, domain: t.domain, ...endpointValues(t) };
}

/** The stored app as form values; the secret stays blank (blank keeps the stored one). */
export function fromApp(app: OAuthApp, templates: ProviderTemplate[]): FormValues {
  const builtIn = templates.some((t) => t.domain === app.domain);
  return { provider: builtIn ? app.domain : CUSTOM, domain: app.domain, clientId: app.clientId, clientSecret: '', ...endpointValues(app) };
}

const normScopes = (s: string): string => s.trim().split(/\s+/).filter(Boolean).join(' ');

/**
 * Whether a value is the catalog's own: the template, or the template with `{tenant}` filled
 * (the app view shows effective URLs; the issuer of a multi-tenant app keeps `{tenantid}`).
 */
function isCatalogValue(value: string, template: string | undefined, tenant: string): boolean {
  if (template === undefined) return value === '';
  return [template, template.replaceAll('{tenant}', tenant), template.replaceAll('{tenant}', '{tenantid}')].includes(value);
}

/**
 * The PUT body. For a built-in domain only the fields that differ from the catalog are sent,
 * so the catalog keeps deciding the rest (a later catalog fix applies) while an override such
 * as an emulator URL survives every edit. A custom domain sends every filled field.
 */
export function toBody(values: FormValues, template: ProviderTemplate | undefined, existing: OAuthApp | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = { clientId: values.clientId.trim() };
  if (values.clientSecret.trim() !== '') body.clientSecret = values.clientSecret;
  const tenant = values.tenant.trim() || template?.tenant || '';
  for (const { key } of urlFields) {
    const value = values[key].trim();
    if (value === '') continue;
    if (template && isCatalogValue(value, template[key], tenant)) continue;
    body[key] = value;
  }
  const scopes = normScopes(values.scopes);
  if (scopes !== '' && !(template && scopes === normScopes(template.scopes))) body.scopes = scopes;
  if (template?.tenant !== undefined && values.tenant.trim() !== '' && values.tenant.trim() !== template.tenant) body.tenant = values.tenant.trim();
  // Settings the form does not show are kept as stored (a PUT replaces the whole app).
  if (existing && Object.keys(existing.authorizeParams).length > 0) body.authorizeParams = existing.authorizeParams;
  if (existing && !template && existing.tokenEndpointAuthMethod !== 'client_secret_basic') body.tokenEndpointAuthMethod = existing.tokenEndpointAuthMethod;
  return body;
}

export const DOMAIN_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Client-side required checks, keyed like the server's `details.fields`. */
export function checkValues(values: FormValues, editing: boolean): Record<string, string> {
  const problems: Record<string, string> = {};
  const custom = values.provider === CUSTOM;
  if (values.provider === '') problems.provider = 'Choose a provider.';
  if (custom && !DOMAIN_PATTERN.test(values.domain)) problems.domain = 'Use lowercase letters, digits and hyphens (for example acme-crm).';
  if (values.clientId.trim() === '') problems.clientId = 'Client ID is required.';
  if (!editing && values.clientSecret.trim() === '') problems.clientSecret = 'Client secret is required for new credentials.';
  if (custom && values.authorizeUrl.trim() === '') problems.authorizeUrl = 'Authorize URL is required for a custom provider.';
  if (custom && values.tokenUrl.trim() === '') problems.tokenUrl = 'Token URL is required for a custom provider.';
  return problems;
}
