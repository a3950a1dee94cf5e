/**
 * A column holding envelope-encrypted values (`src/crypto/envelope.ts`). Registering it here is
 * what makes key rotation reach it: `rewrapAll` walks exactly these columns, so a secret column
 * missing from this list would keep depending on an old key after rotation.
 */
export interface EncryptedColumn {
  /** Table name, e.g. `oauth_apps`. */
  readonly table: string;
  /** Primary-key column; its value (as a string) is the `id` of the encryption context. */
  readonly idColumn: string;
  /** Column storing the sealed text, e.g. `client_secret_enc`. */
  readonly column: string;
  /** The `field` of the encryption context: the AAD of a row is `{ table, id: row[idColumn], field }`. */
  readonly field: string;
}

/** Every encrypted column in the schema. Repositories that seal a column register it here. */
export const encryptedColumns: readonly EncryptedColumn[] = [
  { table: 'oauth_apps', idColumn: 'domain', column: 'client_secret', field: 'client_secret' },
  { table: 'connections', idColumn: 'id', column: 'access_token', field: 'access_token' },
  { table: 'connections', idColumn: 'id', column: 'refresh_token', field: 'refresh_token' },
  { table: 'connect_sessions', idColumn: 'id', column: 'code_verifier', field: 'code_verifier' },
  { table: 'webhooks', idColumn: 'id', column: 'secret', field: 'secret' },
];
